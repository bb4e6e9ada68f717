#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace seismo::testing {

// An installed tool's path in /usr/bin, /usr/local/bin or /bin ("" when absent).
std::string find_tool(const char* name);
// Percent-encodes everything but unreserved characters (for a query string).
std::string url_encode(const std::string& s);

// A Prometheus server (Debian's package) in a temporary directory, scraping
// one target every second; killed and its directory removed on destruction.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& binary, uint16_t target_port);
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;
  ~PrometheusServer();
  // Polls /-/ready for up to 20 s.
  bool wait_ready();
  [[nodiscard]] uint16_t port() const { return port_; }
  // Its log (stdout and stderr), for failure messages.
  [[nodiscard]] std::string log() const;

 private:
  uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace seismo::testing
