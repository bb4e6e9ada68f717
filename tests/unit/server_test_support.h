#pragma once
// The control socket's unit tests (server_test, server_abuse_test): a real
// Unix socket under /tmp, a router whose handlers succeed, fail, throw and
// stream, and raw clients that speak bytes rather than the protocol.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include "api/protocol.h"
#include "api/router.h"

namespace seismo::testing {

using api::Access;
using api::Peer;
using api::Router;
using api::StreamSink;

inline std::string temp_socket_path() {
  static std::atomic<int> n{0};
  return "/tmp/seismo-test-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".sock";
}

inline Router make_router() {
  Router r;
  r.add("echo", Access::read, [](const nlohmann::json& p, const Peer& peer) -> Result<nlohmann::json> {
    return nlohmann::json{{"params", p}, {"uid", peer.uid}};
  });
  r.add("fail", Access::read, [](const nlohmann::json&, const Peer&) -> Result<nlohmann::json> {
    return fail_errno(ENOENT, "fault 'x'");
  });
  r.add("throw", Access::read, [](const nlohmann::json&, const Peer&) -> Result<nlohmann::json> {
    throw std::runtime_error("boom");
  });
  r.add("change", Access::admin, [](const nlohmann::json&, const Peer&) -> Result<nlohmann::json> {
    return nlohmann::json{{"changed", true}};
  });
  r.add_stream(
      "count", Access::read, [](const nlohmann::json& p) -> Result<void> {
        if (!p.contains("n")) return fail_errno(EINVAL, "field 'n': missing");
        return {};
      },
      [](const nlohmann::json& p, const Peer&, StreamSink& sink) {
        for (int i = 0; i < p["n"].get<int>() && !sink.closed(); ++i) sink.send({{"i", i}});
      });
  return r;
}

inline int raw_connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{10, 0};  // no reply within 10 s counts as none
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Reads one line (empty when the server closed or said nothing).
inline std::string read_line(int fd) {
  std::string reply;
  char c;
  while (recv(fd, &c, 1, 0) == 1 && c != '\n') reply.push_back(c);
  return reply;
}

// Sends raw bytes (as far as the server takes them) and reads one reply line.
inline std::string raw_exchange(const std::string& path, const std::string& bytes) {
  int fd = raw_connect(path);
  std::string_view rest(bytes);
  while (!rest.empty()) {
    ssize_t n = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server refused the rest and closed
    rest.remove_prefix(static_cast<size_t>(n));
  }
  std::string reply = read_line(fd);
  close(fd);
  return reply;
}

// True once the server has closed `fd` (EOF), false at the timeout.
inline bool closed_by_server_within(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (p.revents & (POLLRDHUP | POLLHUP)) return true;
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) return true;
  }
  return false;
}

}  // namespace seismo::testing
