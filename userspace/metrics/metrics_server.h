#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "common/result.h"
#include "metrics/memory_trimmer.h"

namespace prometheus {
class Exposer;
}
struct CivetCallbacks;

namespace seismo::metrics {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "0.0.0.0", "::1"
  uint16_t port = 0;
  [[nodiscard]] std::string to_civetweb() const;  // "127.0.0.1:9477", "[::1]:9477"
};

// Parses "HOST:PORT", ":PORT" (all IPv4 interfaces) or "[V6]:PORT".
Result<ListenAddress> parse_listen_address(const std::string& text);

// HTTP worker threads and how long one client may take to send its request
// (headers included) or to take a reply; see docs/deploy.md.
inline constexpr size_t kHttpWorkers = 16;
inline constexpr std::chrono::milliseconds kHttpRequestTimeout{5000};

// Serves /metrics over HTTP (prometheus-cpp's exposer) and a cheap /healthz
// for liveness probes, and returns each scrape's memory to the kernel
// shortly after it (MemoryTrimmer).
class MetricsServer {
 public:
  static Result<std::unique_ptr<MetricsServer>> create(const ListenAddress& address,
                                                       std::shared_ptr<prometheus::Collectable> collectable);
  ~MetricsServer();
  [[nodiscard]] uint16_t port() const { return port_; }
  // Serves another collectable next to the first (e.g. the fault engine's).
  void add(std::shared_ptr<prometheus::Collectable> collectable);

 private:
  MetricsServer() = default;
  MemoryTrimmer trimmer_{std::chrono::milliseconds(200)};  // outlives the exposer's threads
  std::unique_ptr<CivetCallbacks> callbacks_;  // outlives the exposer
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  uint16_t port_ = 0;
};

}  // namespace seismo::metrics
