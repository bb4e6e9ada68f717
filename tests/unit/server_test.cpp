// The control socket end to end in one process: real Unix socket, real
// client, handlers that succeed, fail, throw and stream. Clients that idle,
// flood or never read: server_abuse_test.cpp.
#include "api/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "api/client.h"
#include "api/protocol.h"
#include "server_test_support.h"

using namespace seismo;
using namespace seismo::api;
using namespace seismo::testing;

namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = temp_socket_path();
    auto s = Server::create({path_, std::nullopt, 4}, router_);
    ASSERT_TRUE(s) << s.error().message();
    server_ = std::move(*s);
  }
  Router router_ = make_router();
  std::string path_;
  std::unique_ptr<Server> server_;
};

}  // namespace

TEST_F(ServerTest, CallsReturnResultsAndErrors) {
  auto c = Client::connect(path_);
  ASSERT_TRUE(c);
  auto echo = c->call("echo", {{"a", 1}});
  ASSERT_TRUE(echo) << echo.error().message();
  EXPECT_EQ((*echo)["params"]["a"], 1);
  auto failed = c->call("fail");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("fault 'x'"), std::string::npos);
  auto thrown = c->call("throw");
  ASSERT_FALSE(thrown);
  EXPECT_NE(thrown.error().message().find("boom"), std::string::npos);
  auto unknown = c->call("nope");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown method 'nope'"), std::string::npos);
  EXPECT_TRUE(c->call("echo"));  // the same connection still works
}

TEST_F(ServerTest, MalformedMessagesGetErrorRepliesAndServerKeepsServing) {
  for (const std::string bad : {"not json\n", "{\"v\":9,\"method\":\"echo\"}\n", "[]\n", "{\"v\":1}\n"}) {
    auto reply = nlohmann::json::parse(raw_exchange(path_, bad), nullptr, false);
    ASSERT_FALSE(reply.is_discarded()) << bad;
    EXPECT_EQ(reply["ok"], false) << bad;
    EXPECT_EQ(reply["error"]["code"], "invalid_request") << bad;
  }
  auto c = Client::connect(path_);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->call("echo"));
}

TEST_F(ServerTest, OversizedLineIsRefused) {
  std::string huge(kMaxMessageBytes + 10, 'x');  // no newline: the server must not buffer forever
  auto reply = nlohmann::json::parse(raw_exchange(path_, huge), nullptr, false);
  ASSERT_FALSE(reply.is_discarded());
  EXPECT_EQ(reply["error"]["code"], "invalid_request");
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("byte limit"), std::string::npos) << reply;
  auto c = Client::connect(path_);
  EXPECT_TRUE(c && c->call("echo"));
}

TEST_F(ServerTest, StreamsValidateThenDeliverEvents) {
  auto c = Client::connect(path_);
  ASSERT_TRUE(c);
  std::vector<int> seen;
  auto r = c->stream("count", {{"n", 5}}, [&](const nlohmann::json& e) {
    seen.push_back(e["i"]);
    return true;
  }, nullptr);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  auto c2 = Client::connect(path_);
  auto bad = c2->stream("count", nlohmann::json::object(), [](const nlohmann::json&) { return true; }, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("field 'n'"), std::string::npos);
}

TEST_F(ServerTest, SecondServerOnSamePathIsRefusedButStaleSocketIsReplaced) {
  Router r = make_router();
  auto second = Server::create({path_, std::nullopt, 4}, r);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("already listening"), std::string::npos);
  server_->stop();
  // Leave a stale socket file behind, as a SIGKILLed daemon would.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  auto third = Server::create({path_, std::nullopt, 4}, r);
  ASSERT_TRUE(third) << third.error().message();
}

TEST_F(ServerTest, StopRemovesTheSocketFile) {
  server_->stop();
  EXPECT_NE(access(path_.c_str(), F_OK), 0);
}

TEST(ServerPermissions, NonRootPeerIsDeniedAdminMethodsButMayRead) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another uid";
  Router r = make_router();
  std::string path = temp_socket_path();
  auto s = Server::create({path, gid_t{65534}, 4}, r);  // nogroup, mode 0660
  ASSERT_TRUE(s) << s.error().message();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    auto c = Client::connect(path);
    if (!c) _exit(11);
    if (!c->call("echo")) _exit(12);
    auto denied = c->call("change");
    if (denied) _exit(13);
    if (denied.error().message().find("needs root") == std::string::npos) _exit(14);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child failed at step " << WEXITSTATUS(status);
}
