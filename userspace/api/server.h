#pragma once

#include <sys/types.h>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/router.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::api {

struct ServerConfig {
  std::string path;              // e.g. /run/seismo/seismod.sock
  std::optional<gid_t> group;    // socket group (mode 0660); root-only (0600) without one
  size_t max_clients = 16;
};

// The control socket: a Unix stream socket served by one accept thread and
// one thread per client (bounded). Removes its socket file on destruction.
class Server {
 public:
  static Result<std::unique_ptr<Server>> create(ServerConfig config, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting, ends every client (streams included), joins threads.
  void stop();
  [[nodiscard]] const std::string& path() const { return config_.path; }
  [[nodiscard]] size_t clients() const { return active_.load(); }

 private:
  Server(ServerConfig config, const Router& router, UniqueFd listener, UniqueFd stop_fd);
  void accept_loop();
  void serve(int conn, Peer peer);
  bool handle_line(int conn, const Peer& peer, std::string_view line);
  void reap_finished();

  struct Client {
    std::thread thread;
    std::atomic<bool> done{false};
    UniqueFd fd;
  };

  ServerConfig config_;
  const Router& router_;
  UniqueFd listener_;
  UniqueFd stop_fd_;  // eventfd: readable once stop() is called
  std::thread acceptor_;
  std::mutex clients_mutex_;
  std::list<Client> clients_;
  std::atomic<size_t> active_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace seismo::api
