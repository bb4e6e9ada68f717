// The control socket under abuse (issue 12): clients that idle, trickle,
// flood or never read, and stop() under them.
#include "api/server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "api/client.h"
#include "api/protocol.h"
#include "server_test_support.h"

using namespace seismo;
using namespace seismo::api;
using namespace seismo::testing;

namespace {

// A stream that sends 1 KiB events as fast as the sink takes them, until the
// sink reports the client gone; `ended` is set when the handler returns.
Router flood_router(std::atomic<bool>& ended) {
  Router r = make_router();
  r.add_stream(
      "flood", Access::read, [](const nlohmann::json&) -> Result<void> { return {}; },
      [&ended](const nlohmann::json&, const Peer&, StreamSink& sink) {
        const std::string pad(1024, 'p');
        while (!sink.closed() && sink.send({{"pad", pad}})) {
        }
        ended.store(true);
      });
  r.add("sleep", Access::read, [](const nlohmann::json&, const Peer&) -> Result<nlohmann::json> {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return nlohmann::json::object();
  });
  return r;
}

void send_line(int fd, const std::string& line) {
  ASSERT_EQ(send(fd, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

TEST(ServerAbuse, IdleAndTricklingClientsAreClosed) {
  Router r = make_router();
  std::string path = temp_socket_path();
  ServerConfig config{path, std::nullopt, 4};
  config.request_timeout = std::chrono::milliseconds(300);
  auto s = Server::create(config, r);
  ASSERT_TRUE(s) << s.error().message();
  int idle = raw_connect(path);
  int trickle = raw_connect(path);
  // One byte of a request every 50 ms: never a whole line within 300 ms.
  std::atomic<bool> stop{false};
  std::thread dripper([&] {
    const std::string req = R"({"v":1,"id":1,"method":"echo","params":{"pad":")" + std::string(1000, 'x');
    for (size_t i = 0; i < req.size() && !stop; ++i) {
      if (send(trickle, &req[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  // Model: closed 300 ms after connecting; 5 s leaves room for a loaded machine.
  EXPECT_TRUE(closed_by_server_within(idle, std::chrono::seconds(5)));
  EXPECT_TRUE(closed_by_server_within(trickle, std::chrono::seconds(5)));
  stop = true;
  dripper.join();
  close(idle);
  close(trickle);
  EXPECT_TRUE(wait_until([&] { return (*s)->clients() == 0; }, std::chrono::seconds(5)));
  auto c = Client::connect(path);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->call("echo"));  // a client that talks is served
}

TEST(ServerAbuse, TooManyClientsIsResourceExhaustedAfterTheRootReserve) {
  Router r = make_router();
  std::string path = temp_socket_path();
  auto s = Server::create({path, std::nullopt, 2}, r);
  ASSERT_TRUE(s) << s.error().message();
  // This test's uid is the server's, so it may use the slots kept for root.
  std::vector<int> held;
  std::string refusal;
  for (int i = 0; i < 100 && refusal.empty(); ++i) {
    int fd = raw_connect(path);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) refusal = read_line(fd);  // refused connections are answered at once
    held.push_back(fd);
  }
  ASSERT_FALSE(refusal.empty()) << "no limit at all";
  EXPECT_GT(held.size() - 1, 2u) << "root got no more than the non-root limit";
  auto reply = nlohmann::json::parse(refusal, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << refusal;
  EXPECT_EQ(reply["error"]["code"], "resource_exhausted") << refusal;
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("too many control clients"), std::string::npos);
  for (int fd : held) close(fd);
}

TEST(ServerAbuse, RootIsServedWhileNonRootFloods) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run clients as another uid";
  Router r = make_router();
  std::string path = temp_socket_path();
  auto s = Server::create({path, gid_t{65534}, 3}, r);
  ASSERT_TRUE(s) << s.error().message();
  int ready[2];
  int release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // nobody: connect until refused, report the refusal's code, hold everything
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    std::vector<int> fds;
    std::string code = "none";
    for (int i = 0; i < 50; ++i) {
      int fd = raw_connect(path);
      fds.push_back(fd);
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 1000) > 0) {  // a refusal is answered at once; 1 s for a loaded machine
        auto reply = nlohmann::json::parse(read_line(fd), nullptr, false);
        code = reply.is_discarded() ? "garbage" : reply["error"]["code"].get<std::string>();
        break;
      }
    }
    code += ":" + std::to_string(fds.size() - 1) + "\n";
    (void)!write(ready[1], code.data(), code.size());
    char c;
    (void)!read(release[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(release[0]);
  char buf[64] = {};
  ASSERT_GT(read(ready[0], buf, sizeof(buf) - 1), 0);
  EXPECT_EQ(std::string(buf), "resource_exhausted:3\n");
  auto c = Client::connect(path);  // root, with every non-root slot taken
  ASSERT_TRUE(c);
  auto echo = c->call("echo", nlohmann::json::object(), std::chrono::seconds(5));
  EXPECT_TRUE(echo) << (echo ? "" : echo.error().message());
  (void)!write(release[1], "x", 1);
  int status = 0;
  waitpid(pid, &status, 0);
  close(ready[0]);
  close(release[1]);
}

TEST(ServerAbuse, StreamClientThatNeverReadsIsDroppedWithoutBlockingOthers) {
  std::atomic<bool> ended{false};
  Router r = flood_router(ended);
  std::string path = temp_socket_path();
  auto s = Server::create({path, std::nullopt, 8}, r);
  ASSERT_TRUE(s) << s.error().message();
  int sleeper = raw_connect(path);
  send_line(sleeper, R"({"v":1,"id":1,"method":"flood"})" "\n");  // and never read
  // Model: the socket buffer and the stream buffer fill within milliseconds;
  // then the write deadline (5 s by default) drops the client. 20 s is
  // generous for a loaded machine; the old blocking send never returned.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    auto c = Client::connect(path);
    ASSERT_TRUE(c);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(c->call("echo", nlohmann::json::object(), std::chrono::seconds(5)));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2)) << "another client was held up";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(ended) << "the stream handler is still stuck on a client that does not read";
  close(sleeper);
}

TEST(ServerAbuse, AReaderThatPausesPastTheWriteTimeoutIsToldItWasCut) {
  std::atomic<bool> ended{false};
  Router r = flood_router(ended);
  std::string path = temp_socket_path();
  ServerConfig config{path, std::nullopt, 8};
  config.write_timeout = std::chrono::milliseconds(300);
  auto s = Server::create(config, r);
  ASSERT_TRUE(s) << s.error().message();
  auto c = Client::connect(path);
  ASSERT_TRUE(c);
  // Model: the reader takes one event, then sleeps 2 s; the flood fills the
  // socket and stream buffers within milliseconds and the 300 ms write
  // timeout cuts the client long before it reads again.
  bool slept = false;
  auto res = c->stream("flood", nlohmann::json::object(), [&](const nlohmann::json&) {
    if (!slept) std::this_thread::sleep_for(std::chrono::seconds(2));
    slept = true;
    return true;
  }, nullptr);
  ASSERT_FALSE(res) << "a cut stream ended like a finished one";
  EXPECT_EQ(res.error().code, ECONNRESET);
  EXPECT_NE(res.error().message().find("stopped reading for longer than seismod waits"), std::string::npos)
      << res.error().message();
}

TEST(ServerAbuse, StopReturnsPromptlyWhateverClientsDo) {
  std::atomic<bool> ended{false};
  Router r = flood_router(ended);
  std::string path = temp_socket_path();
  auto s = Server::create({path, std::nullopt, 16}, r);
  ASSERT_TRUE(s) << s.error().message();
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) fds.push_back(raw_connect(path));  // idle
  fds.push_back(raw_connect(path));
  send_line(fds.back(), R"({"v":1,"id":1,"method":"ec)");  // half a request
  fds.push_back(raw_connect(path));
  send_line(fds.back(), R"({"v":1,"id":2,"method":"flood"})" "\n");  // a stream nobody reads
  fds.push_back(raw_connect(path));
  send_line(fds.back(), R"({"v":1,"id":3,"method":"sleep"})" "\n");  // a call in progress
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the flood fill every buffer
  auto stopped = std::make_shared<std::promise<void>>();
  auto done = stopped->get_future();
  std::thread([server = s->get(), stopped] {
    server->stop();
    stopped->set_value();
  }).detach();
  // Model: stop closes every connection on the event loop and waits only for
  // the 300 ms call and the stream handler, which sees its sink closed.
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "stop() did not return within 5 s with stuck clients";
    std::fprintf(stderr, "stop() hung; exiting\n");
    _exit(1);  // the stuck stop() thread would hang the test binary
  }
  EXPECT_TRUE(ended);
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  for (int fd : fds) close(fd);
}
