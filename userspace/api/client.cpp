#include "api/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "api/protocol.h"

namespace seismo::api {

using nlohmann::json;

Result<Client> Client::connect(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return fail_errno(ENAMETOOLONG, "control socket path " + path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno(errno, "create socket");
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    std::string hint = (e == ENOENT || e == ECONNREFUSED) ? " (is seismod running? see --socket)" : "";
    return fail_errno(e, "connect to seismod at " + path + hint);
  }
  return Client(std::move(fd));
}

Result<void> Client::send_request(const std::string& method, const json& params) {
  std::string line = serialize_request(Request{next_id_++, method, params});
  std::string_view data(line);
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(errno, "send request to seismod");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<std::string> Client::read_line(int timeout_ms) {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() > kMaxMessageBytes) return fail_errno(EMSGSIZE, "reply from seismod too large");
    pollfd p{fd_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return fail_errno(EINTR, "interrupted");
    if (r < 0) return fail_errno(errno, "wait for seismod");
    if (r == 0) return fail_errno(ETIMEDOUT, "waiting for seismod's reply");
    char chunk[8192];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(errno, "read from seismod");
    if (n == 0) return fail_errno(ECONNRESET, "seismod closed the connection");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

namespace {
Result<json> unpack_response(const std::string& line) {
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail_errno(EPROTO, "seismod sent a reply that is not JSON");
  if (doc.value("ok", false)) return doc.value("result", json::object());
  const json& err = doc.value("error", json::object());
  std::string message = err.is_object() ? err.value("message", "unknown error") : "unknown error";
  // The daemon's message already names the cause (and errno text); keep it verbatim.
  return fail_plain(std::move(message));
}
}  // namespace

Result<json> Client::call(const std::string& method, const json& params, std::chrono::milliseconds timeout) {
  if (auto r = send_request(method, params); !r) return fail(std::move(r).error());
  auto line = read_line(static_cast<int>(timeout.count()));
  if (!line) return fail(std::move(line).error());
  return unpack_response(*line);
}

Result<void> Client::stream(const std::string& method, const json& params,
                            const std::function<bool(const json&)>& on_event,
                            const std::function<bool()>& should_stop) {
  if (auto r = send_request(method, params); !r) return fail(std::move(r).error());
  auto first = read_line(30000);
  if (!first) return fail(std::move(first).error());
  if (auto ack = unpack_response(*first); !ack) return fail(std::move(ack).error());
  for (;;) {
    if (should_stop && should_stop()) return {};
    auto line = read_line(200);
    if (!line) {
      if (line.error().code == ETIMEDOUT || line.error().code == EINTR) continue;
      if (line.error().code == ECONNRESET)
        return fail_errno(ECONNRESET,
                          "seismod cut the stream: this reader stopped reading for longer than seismod waits "
                          "for one (its control write timeout, 5 s by default; e.g. output paused in a pager), "
                          "or seismod stopped");
      return fail(std::move(line).error());
    }
    json doc = json::parse(*line, nullptr, false);
    if (doc.is_object() && doc.value("end", false)) return {};  // the daemon ended the stream
    if (doc.is_discarded() || !doc.contains("event")) return fail_errno(EPROTO, "seismod sent a malformed stream event");
    if (!on_event(doc["event"])) return {};
  }
}

}  // namespace seismo::api
