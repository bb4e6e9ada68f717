#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/router.h"
#include "common/result.h"

namespace seismo::api {

struct ServerConfig {
  std::string path;              // e.g. /run/seismo/seismod.sock
  std::optional<gid_t> group;    // socket group (mode 0660); root-only (0600) without one
  // Connections at once from peers other than root and the daemon's uid.
  size_t max_clients = 64;
  // Further connections only root (or the daemon's uid) may take, so a
  // flood of read-only clients never locks an operator out.
  size_t root_reserve = 8;
  // A whole request line must arrive within this of connecting or of the
  // previous response; a connection that sends nothing is closed.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  // A response or stream event must be written within this, or the client
  // (one that stopped reading) is dropped.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(5);
  // Largest request line; bounds each connection's input buffer. A fault
  // document (64 KiB) escaped into JSON fits several times over.
  size_t max_request_bytes = 256 * 1024;
  // Stream output queued per connection before a stream handler waits.
  size_t stream_buffer_bytes = 256 * 1024;
  size_t max_streams = 32;  // concurrent trace streams (each runs a thread)
};

class ServerCore;

// The control socket: a Unix stream socket served by one Asio event loop
// (non-blocking sockets, per-connection deadlines), with method handlers on
// small thread pools (one reserved for root) and one thread per stream.
// Removes its socket file on stop.
class Server {
 public:
  static Result<std::unique_ptr<Server>> create(ServerConfig config, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting and closes every connection at once, whatever its peer
  // does; waits only for handlers already running (a stream handler sees
  // its sink closed). Never waits on a client.
  void stop();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] size_t clients() const;

 private:
  Server(std::string path, std::unique_ptr<ServerCore> core);
  std::string path_;
  std::unique_ptr<ServerCore> core_;
  std::atomic<bool> stopped_{false};
};

}  // namespace seismo::api
