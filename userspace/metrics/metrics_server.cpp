#include "metrics/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include "common/unique_fd.h"

namespace seismo::metrics {

std::string ListenAddress::to_civetweb() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return fail_errno(EINVAL, "--metrics-address '" + text + "': expected HOST:PORT (e.g. 127.0.0.1:9477)");
  ListenAddress a;
  a.host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "0.0.0.0";
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535)
    return fail_errno(EINVAL, "--metrics-address '" + text + "': port must be a number from 1 to 65535");
  a.port = static_cast<uint16_t>(value);
  in6_addr v6{};
  in_addr v4{};
  if (inet_pton(AF_INET, a.host.c_str(), &v4) != 1 && inet_pton(AF_INET6, a.host.c_str(), &v6) != 1)
    return fail_errno(EINVAL, "--metrics-address '" + text + "': host must be an IPv4 or IPv6 address");
  return a;
}

namespace {
// Registered after the others, so it runs at the end of each scrape's
// collection; the trimmer's delay covers the serialisation that follows.
class TrimAfterScrape : public prometheus::Collectable {
 public:
  explicit TrimAfterScrape(MemoryTrimmer& trimmer) : trimmer_(trimmer) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    trimmer_.poke();
    return {};
  }

 private:
  MemoryTrimmer& trimmer_;
};

// /healthz answers before any collector runs, from the HTTP worker itself:
// liveness must not depend on a scrape (which takes the scraper's lock and
// reads every map) or on the exposer's bookkeeping.
int answer_healthz(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (!info || !info->local_uri || std::strcmp(info->local_uri, "/healthz") != 0) return 0;
  static constexpr char kBody[] = "ok\n";
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
            sizeof(kBody) - 1, kBody);
  return 200;
}

// civetweb reports a failed bind only as an exception without errno: try the
// bind ourselves first so the user learns "Address already in use".
Result<void> probe_bind(const ListenAddress& a) {
  in_addr v4{};
  bool is_v4 = inet_pton(AF_INET, a.host.c_str(), &v4) == 1;
  UniqueFd fd(::socket(is_v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno(errno, "create socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc;
  if (is_v4) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a.port);
    sa.sin_addr = v4;
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  } else {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a.port);
    inet_pton(AF_INET6, a.host.c_str(), &sa.sin6_addr);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  if (rc != 0) return fail_errno(errno, "listen for metrics on " + a.to_civetweb());
  return {};
}
}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::create(const ListenAddress& address,
                                                             std::shared_ptr<prometheus::Collectable> collectable) {
  if (auto r = probe_bind(address); !r) return fail(std::move(r).error());
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  // civetweb serves each connection on one worker thread from the moment it
  // is accepted, so a client that sends its headers slowly holds a worker
  // until request_timeout_ms. Enough workers that a handful of such clients
  // leave room for scrapes and probes, and a bound on how long each is held.
  static_assert(kHttpWorkers >= 8);
  server->callbacks_ = std::make_unique<CivetCallbacks>();
  server->callbacks_->begin_request = answer_healthz;
  std::vector<std::string> options = {"listening_ports",
                                      address.to_civetweb(),
                                      "num_threads",
                                      std::to_string(kHttpWorkers),
                                      "request_timeout_ms",
                                      std::to_string(kHttpRequestTimeout.count()),
                                      "enable_keep_alive",
                                      "no",
                                      "max_request_size",
                                      "8192"};
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(std::move(options), server->callbacks_.get());
  } catch (const std::exception& e) {
    return fail_errno(EADDRNOTAVAIL, "listen for metrics on " + address.to_civetweb() + " (" + e.what() + ")");
  }
  server->add(std::move(collectable));
  server->add(std::make_shared<TrimAfterScrape>(server->trimmer_));
  auto ports = server->exposer_->GetListeningPorts();
  server->port_ = ports.empty() ? address.port : static_cast<uint16_t>(ports.front());
  return server;
}

void MetricsServer::add(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(collectable);
  exposer_->RegisterCollectable(collectable);
}

MetricsServer::~MetricsServer() = default;

}  // namespace seismo::metrics
