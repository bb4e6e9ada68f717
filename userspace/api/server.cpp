#include "api/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "api/protocol.h"
#include "common/log.h"

namespace seismo::api {
namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        // A client that stops reading for 5 s is dropped rather than stall us.
        if (::poll(&p, 1, 5000) <= 0) return false;
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// If `path` is a socket nobody listens on, remove it (a previous daemon died).
Result<void> clear_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode))
    return fail_errno(EEXIST, "control socket path " + path + " exists and is not a socket");
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0)
    return fail_errno(EADDRINUSE, "control socket " + path + ": another seismod is already listening");
  if (::unlink(path.c_str()) != 0) return fail_errno(errno, "remove stale control socket " + path);
  log::info("removed stale control socket {}", path);
  return {};
}

class ConnectionSink : public StreamSink {
 public:
  ConnectionSink(int conn, int stop_fd, uint64_t id) : conn_(conn), stop_fd_(stop_fd), id_(id) {}
  bool start() override {
    if (started_ || gone_) return !gone_;
    started_ = true;
    if (!write_all(conn_, ok_response(id_, {{"stream", true}}))) gone_ = true;
    return !gone_;
  }
  bool send(const nlohmann::json& event) override {
    if (!start()) return false;
    if (!write_all(conn_, stream_event(id_, event))) gone_ = true;
    return !gone_;
  }
  bool closed() override {
    if (gone_) return true;
    pollfd fds[2] = {{conn_, POLLRDHUP, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, 0) > 0) {
      if (fds[1].revents & POLLIN) return gone_ = true;
      if (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) return gone_ = true;
    }
    return false;
  }

 private:
  int conn_;
  int stop_fd_;
  uint64_t id_;
  bool started_ = false;
  bool gone_ = false;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::create(ServerConfig config, const Router& router) {
  if (config.path.empty()) return fail_errno(EINVAL, "control socket path is empty");
  if (config.path.size() >= sizeof(sockaddr_un::sun_path))
    return fail_errno(ENAMETOOLONG, "control socket path " + config.path);
  std::error_code ec;
  auto dir = std::filesystem::path(config.path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail_errno(ec.value(), "create control socket directory " + dir.string());
  }
  if (auto r = clear_stale_socket(config.path); !r) return fail(std::move(r).error());

  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) return fail_errno(errno, "create control socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, config.path.c_str(), sizeof(addr.sun_path) - 1);
  // Create the socket file with no access, then open it up deliberately.
  mode_t old_mask = ::umask(0177);
  int rc = ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) return fail_errno(bind_errno, "bind control socket " + config.path);
  if (config.group) {
    if (::chown(config.path.c_str(), 0, *config.group) != 0 || ::chmod(config.path.c_str(), 0660) != 0) {
      int e = errno;
      ::unlink(config.path.c_str());
      return fail_errno(e, "set group of control socket " + config.path);
    }
  }
  if (::listen(listener.get(), 16) != 0) {
    int e = errno;
    ::unlink(config.path.c_str());
    return fail_errno(e, "listen on control socket " + config.path);
  }
  UniqueFd stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd) {
    int e = errno;
    ::unlink(config.path.c_str());
    return fail_errno(e, "create eventfd");
  }
  std::unique_ptr<Server> server(new Server(std::move(config), router, std::move(listener), std::move(stop_fd)));
  server->acceptor_ = std::thread([s = server.get()] { s->accept_loop(); });
  return server;
}

Server::Server(ServerConfig config, const Router& router, UniqueFd listener, UniqueFd stop_fd)
    : config_(std::move(config)), router_(router), listener_(std::move(listener)), stop_fd_(std::move(stop_fd)) {}

Server::~Server() { stop(); }

void Server::stop() {
  if (stopped_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof(one));
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard lock(clients_mutex_);
  for (auto& c : clients_)
    if (c.thread.joinable()) c.thread.join();
  clients_.clear();
  ::unlink(config_.path.c_str());
}

void Server::reap_finished() {
  std::lock_guard lock(clients_mutex_);
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) {
      log::error("control socket poll: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents & POLLIN) return;
    reap_finished();
    if (!(fds[0].revents & POLLIN)) continue;
    UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) continue;
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) continue;
    Peer peer{cred.pid, cred.uid, cred.gid};
    if (active_.load() >= config_.max_clients) {
      write_all(conn.get(), error_response(0, Error{EBUSY, fmt::format("too many control clients (limit {})",
                                                                      config_.max_clients)}));
      continue;
    }
    std::lock_guard lock(clients_mutex_);
    auto& client = clients_.emplace_back();
    client.fd = std::move(conn);
    active_.fetch_add(1);
    client.thread = std::thread([this, &client, peer] {
      serve(client.fd.get(), peer);
      client.fd.reset();
      active_.fetch_sub(1);
      client.done.store(true);
    });
  }
}

void Server::serve(int conn, Peer peer) {
  std::string buffer;
  char chunk[4096];
  for (;;) {
    pollfd fds[2] = {{conn, POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents & POLLIN) return;
    ssize_t n = ::recv(conn, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!handle_line(conn, peer, std::string_view(buffer).substr(start, nl - start))) return;
    }
    buffer.erase(0, start);
    if (buffer.size() > kMaxMessageBytes) {
      write_all(conn, error_response(0, Error{EMSGSIZE, fmt::format("request exceeds the {} byte limit",
                                                                   kMaxMessageBytes)}));
      return;
    }
  }
}

// Returns false when the connection should close.
bool Server::handle_line(int conn, const Peer& peer, std::string_view line) {
  if (line.empty()) return true;
  auto req = parse_request(line);
  if (!req) return write_all(conn, error_response(0, req.error()));
  const Router::Route* route = router_.find(req->method);
  if (!route) {
    return write_all(conn, error_response(req->id, Error{EINVAL, fmt::format("unknown method '{}'", req->method)}));
  }
  if (route->access == Access::admin && peer.uid != 0 && peer.uid != ::geteuid()) {
    log::warn("control: uid {} (pid {}) denied '{}'", peer.uid, peer.pid, req->method);
    return write_all(conn, error_response(req->id, Error{EPERM, fmt::format("method '{}' needs root; caller uid is {}",
                                                                            req->method, peer.uid)}));
  }
  if (route->stream) {
    if (auto ok = route->validate(req->params); !ok) return write_all(conn, error_response(req->id, ok.error()));
    ConnectionSink sink(conn, stop_fd_.get(), req->id);
    try {
      route->stream(req->params, peer, sink);
      sink.start();  // a handler that ended before starting still answers
    } catch (const std::exception& e) {
      log::error("control: stream '{}' failed: {}", req->method, e.what());
    }
    return false;  // a stream ends the connection
  }
  Result<nlohmann::json> result = fail_plain("internal error");
  try {
    result = route->handler(req->params, peer);
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down; report it to the caller.
    log::error("control: '{}' threw: {}", req->method, e.what());
    result = fail_errno(EFAULT, fmt::format("internal error in '{}': {}", req->method, e.what()));
  }
  if (!result) return write_all(conn, error_response(req->id, result.error()));
  return write_all(conn, ok_response(req->id, *result));
}

}  // namespace seismo::api
