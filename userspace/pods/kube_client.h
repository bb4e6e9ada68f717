#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "pods/kube_config.h"
#include "pods/line_splitter.h"

namespace seismo::pods {

struct HttpResponse {
  long status = 0;
  std::string body;
};

// A client for the Kubernetes API (GET, watch streams and PATCH) over libcurl. One easy handle per
// request (RAII), so a client may be used from one thread at a time per
// call. `stop` aborts a transfer in progress from libcurl's progress
// callback (called at least once a second even when idle).
class KubeClient {
 public:
  static Result<KubeClient> create(KubeConfig config);

  // The whole body, up to max_body bytes (more is an error). `idle_timeout`
  // (0: none) cuts a response that stops carrying bytes, as for stream().
  [[nodiscard]] Result<HttpResponse> get(std::string_view path_and_query, std::size_t max_body,
                                         const std::atomic<bool>& stop,
                                         std::chrono::seconds idle_timeout = std::chrono::seconds(0)) const;
  // A PATCH with `body` of `content_type` ("application/apply-patch+yaml"
  // for server-side apply, "application/merge-patch+json"); the answer like
  // get(). Any status is returned, not turned into an error.
  [[nodiscard]] Result<HttpResponse> patch(std::string_view path_and_query, std::string_view content_type,
                                           std::string_view body, std::size_t max_body,
                                           const std::atomic<bool>& stop) const;
  // A 200 response streamed line by line into `sink`; any other status
  // returns with its (bounded) body and no lines delivered. `idle_timeout`
  // (0: none) ends a connection that carries no more bytes with an
  // ETIMEDOUT error (a stalled server or a half-dead path): libcurl's
  // low-speed limit, under 1 byte/s averaged over its ~5 s window for
  // idle_timeout seconds, so the cut comes idle_timeout + ~5 s after the last byte.
  [[nodiscard]] Result<HttpResponse> stream(std::string_view path_and_query, LineSink& sink,
                                            const std::atomic<bool>& stop,
                                            std::chrono::seconds idle_timeout = std::chrono::seconds(0)) const;

  [[nodiscard]] const KubeConfig& config() const { return config_; }

 private:
  explicit KubeClient(KubeConfig config) : config_(std::move(config)) {}
  KubeConfig config_;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
[[nodiscard]] std::string url_encode(std::string_view value);

}  // namespace seismo::pods
