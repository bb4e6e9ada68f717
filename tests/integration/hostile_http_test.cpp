// Abuse of the metrics endpoint: slow and huge headers, many connections,
// bad methods and paths. After each, a normal scrape must still succeed
// promptly (the kubelet's liveness probe and Prometheus depend on it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "hostile_support.h"

using namespace seismo::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::optional<seismo::UniqueFd> tcp_connect(uint16_t port) {
  seismo::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return std::nullopt;
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// The status line of the answer to `request` ("" when the server closed
// without one within the deadline).
std::string status_line(uint16_t port, const std::string& request, std::chrono::milliseconds deadline = 10s) {
  auto fd = tcp_connect(port);
  if (!fd) return "connect failed";
  send_all(fd->get(), request);
  std::string got;
  auto end = std::chrono::steady_clock::now() + deadline;
  char buf[4096];
  while (got.find("\r\n") == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{fd->get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd->get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got.substr(0, got.find("\r\n"));
}

class HostileHttp : public HostileTest {
 protected:
  uint16_t port() { return world().daemon().port(); }
  // A scrape answered within 10 s: a scrape of this small daemon takes
  // milliseconds; 10 s only fails when the server is stalled.
  void expect_scrape_works() {
    auto start = std::chrono::steady_clock::now();
    auto body = http_get(port(), "/metrics");
    EXPECT_TRUE(body) << (body ? "" : body.error().message());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  }
};

struct BadRequest {
  const char* name;
  std::string request;
  friend void PrintTo(const BadRequest& c, std::ostream* os) { *os << c.name; }
};

class HostileHttpRequests : public HostileHttp, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(HostileHttpRequests, ClientErrorAndStillServing) {
  std::string line = status_line(port(), GetParam().request);
  // A 4xx answer (505 for an HTTP version it does not speak), or the
  // server hanging up on nonsense; never another 5xx or a 200.
  if (!line.empty()) {
    EXPECT_TRUE(line.find(" 4") != std::string::npos || line.find(" 505 ") != std::string::npos)
        << GetParam().name << ": " << line;
  }
  expect_scrape_works();
}

INSTANTIATE_TEST_SUITE_P(
    Metrics, HostileHttpRequests,
    ::testing::Values(BadRequest{"PathTraversal", "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"EncodedTraversal", "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"UnknownPath", "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"HugePath", "GET /" + std::string(70000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"HugeHeader", "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                   std::string(200000, 'b') + "\r\n\r\n"},
                      BadRequest{"ManyHeaders", "GET /metrics HTTP/1.1\r\n" + [] {
                                   std::string h;
                                   for (int i = 0; i < 2000; ++i) h += "X-H" + std::to_string(i) + ": v\r\n";
                                   return h;
                                 }() + "\r\n"},
                      BadRequest{"UnknownMethod", "FROB /metrics HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"DeleteMetrics", "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"},
                      BadRequest{"BadVersion", "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"},
                      BadRequest{"BinaryGarbage", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11)},
                      BadRequest{"NegativeContentLength",
                                 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(HostileHttp, TraversalNeverServesFiles) {
  auto fd = tcp_connect(port());
  ASSERT_TRUE(fd);
  send_all(fd->get(), "GET /../../../../etc/passwd HTTP/1.0\r\n\r\n");
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd->get(), buf, sizeof(buf), 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(got.find("root:"), std::string::npos) << got.substr(0, 300);
}

TEST_F(HostileHttp, SlowHeaderClientsDoNotStallScrapes) {
  // Clients that send half a request line and then nothing (slowloris).
  // More than a small worker pool: with 2 worker threads the scrape below
  // waits for one of them to time out, or forever.
  std::vector<seismo::UniqueFd> slow;
  for (int i = 0; i < 8; ++i) {
    auto fd = tcp_connect(port());
    ASSERT_TRUE(fd);
    send_all(fd->get(), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    slow.push_back(std::move(*fd));
  }
  std::this_thread::sleep_for(300ms);  // let the server pick them up
  expect_scrape_works();
}

TEST_F(HostileHttp, IdleConnectionsThatNeverSendDoNotStallScrapes) {
  std::vector<seismo::UniqueFd> idle;
  for (int i = 0; i < 8; ++i) {
    auto fd = tcp_connect(port());
    ASSERT_TRUE(fd);
    idle.push_back(std::move(*fd));
  }
  std::this_thread::sleep_for(300ms);
  expect_scrape_works();
}

TEST_F(HostileHttp, ManyConnectionsOpenedAndClosed) {
  for (int i = 0; i < 300; ++i) {
    auto fd = tcp_connect(port());
    ASSERT_TRUE(fd) << "connection " << i;
    if (i % 3 == 0) send_all(fd->get(), "GET /metrics HTTP/1.1\r\n");
  }
  expect_scrape_works();
}

TEST_F(HostileHttp, ClientThatNeverReadsTheBody) {
  // Scrapes whose responses nobody reads (tiny receive buffers).
  std::vector<seismo::UniqueFd> stuck;
  for (int i = 0; i < 4; ++i) {
    auto fd = tcp_connect(port());
    ASSERT_TRUE(fd);
    int small = 1024;
    ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    send_all(fd->get(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    stuck.push_back(std::move(*fd));
  }
  std::this_thread::sleep_for(300ms);
  expect_scrape_works();
}

}  // namespace
