#include "api/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "api/server_core.h"
#include "common/log.h"

namespace seismo::api {
namespace {

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
  if (::listen(listener.get(), SOMAXCONN) != 0) {
    int e = errno;
    ::unlink(config.path.c_str());
    return fail_errno(e, "listen on control socket " + config.path);
  }
  auto core = std::make_unique<ServerCore>(std::move(config), router, std::move(listener));
  core->start();
  std::string path = core->config().path;
  return std::unique_ptr<Server>(new Server(std::move(path), std::move(core)));
}

Server::Server(std::string path, std::unique_ptr<ServerCore> core) : path_(std::move(path)), core_(std::move(core)) {}

Server::~Server() { stop(); }

void Server::stop() {
  if (stopped_.exchange(true)) return;
  core_->stop();
  ::unlink(path_.c_str());
}

size_t Server::clients() const { return core_->clients(); }

}  // namespace seismo::api
