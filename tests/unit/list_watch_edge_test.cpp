// ListWatch and list_all against what a real server does rarely: an ERROR
// event that is not 410 (scripted fake), a server that never answers, bad
// options.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "fake_kube_api.h"
#include "pods/list_watch.h"
#include "recording_sink.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Against the scripted fake: an exact byte sequence a real server sends rarely.
TEST(ListWatchScripted, AnErrorEventThatIsNotGoneRelists) {
  auto api = FakeKubeApi::start();
  ASSERT_TRUE(api) << api.error().message();
  auto list = [](const std::string& rv, const std::string& name) {
    json item{{"metadata", {{"name", name}, {"namespace", "shop"}, {"resourceVersion", rv}}}};
    return json{{"kind", "PodList"}, {"metadata", {{"resourceVersion", rv}}}, {"items", {item}}}.dump();
  };
  (*api)->push_list(200, list("10", "first"));
  WatchScript error_event;
  error_event.lines = {json{{"type", "ERROR"}, {"object", {{"kind", "Status"}, {"code", 500}, {"message", "etcd"}}}}.dump()};
  error_event.hold_open = true;  // the ListWatch must leave by itself
  (*api)->push_watch(error_event);
  (*api)->push_list(200, list("20", "second"));
  pods::KubeConfig cfg;
  cfg.server = (*api)->url();
  RecordingSink sink;
  pods::ListWatchOptions o;
  o.path = "/api/v1/pods";
  o.backoff_initial = 2ms;
  o.jitter = [] { return 1.0; };
  auto lw = pods::ListWatch::create(*pods::KubeClient::create(cfg), sink, o);
  ASSERT_TRUE(lw);
  (*lw)->start();
  bool relisted = false;
  for (int i = 0; i < 2000 && !relisted; ++i) {
    relisted = sink.keys() == std::vector<std::string>{"shop/second"};
    std::this_thread::sleep_for(5ms);
  }
  (*lw)->stop();
  EXPECT_TRUE(relisted) << ::testing::PrintToString(sink.keys());
  auto c = (*lw)->counters();
  EXPECT_EQ(c.relists, 1u);
  EXPECT_GE(c.errors, 1u);
  EXPECT_EQ((*api)->watch_resource_versions().front(), "10");
}

// A server that accepts the connection and never answers (the kernel
// completes the handshake from the listen backlog): a list must not wait
// for it forever. Model: libcurl's low-speed limit cuts a transfer under
// 1 byte/s for idle_timeout (1 s; averaged over its ~5 s window once bytes
// have flowed, so ~6-7 s after a last byte), so the list fails with
// ETIMEDOUT (measured 1.2 s here, where no byte ever comes); the stop flag
// at 60 s only keeps a regression from hanging the test: without the
// timeout on lists it fails with ECANCELED at 60 s (checked).
TEST(ListWatchStalled, AListThatNeverAnswersIsCut) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  pods::KubeConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  pods::ListWatchOptions o;
  o.path = "/api/v1/pods";
  o.watch_idle_timeout = 1s;
  std::atomic<bool> stop{false};
  std::thread guard([&] {
    for (int i = 0; i < 600 && !stop; ++i) std::this_thread::sleep_for(100ms);
    stop = true;
  });
  auto r = pods::list_all(*pods::KubeClient::create(cfg), o, stop);
  stop = true;
  guard.join();
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ETIMEDOUT) << r.error().message();
}

TEST(ListWatchOptions, BadOptionsAreRefused) {
  pods::KubeConfig cfg;
  cfg.server = "http://127.0.0.1:1";
  auto client = *pods::KubeClient::create(cfg);
  RecordingSink sink;
  pods::ListWatchOptions o;
  o.path = "api/v1/pods";
  EXPECT_FALSE(pods::ListWatch::create(client, sink, o));
  o.path = "/api/v1/pods?watch=1";
  EXPECT_FALSE(pods::ListWatch::create(client, sink, o));
  o.path = "/api/v1/pods";
  o.max_objects = 0;
  auto r = pods::ListWatch::create(client, sink, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("max_objects"), std::string::npos);
}

}  // namespace
}  // namespace seismo::fakes
