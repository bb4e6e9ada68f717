#include "pods/kube_client.h"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

namespace seismo::pods {
namespace {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept { Fn(p); }
};
using CurlPtr = std::unique_ptr<CURL, CDeleter<curl_easy_cleanup>>;
using SlistPtr = std::unique_ptr<curl_slist, CDeleter<curl_slist_free_all>>;

constexpr long kConnectTimeoutSeconds = 10;
constexpr std::size_t kMaxErrorBody = 64 * 1024;

// State shared with libcurl's C callbacks. No exception crosses them.
struct Transfer {
  const std::atomic<bool>* stop = nullptr;
  long status = 0;
  std::string body;
  std::size_t max_body = 0;
  bool too_big = false;
  bool sink_ended = false;
  LineSink* sink = nullptr;
  LineSplitter* lines = nullptr;
  long idle_timeout_seconds = 0;  // 0: no low-speed limit
  CURL* curl = nullptr;
  // PATCH: the body sent and its content type (empty method: GET).
  std::string method;
  std::string content_type;
  std::string_view request_body;
};

extern "C" std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* user) noexcept {
  auto& t = *static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  try {
    if (t.status == 0) curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
    if (t.sink != nullptr && t.status == 200) {
      if (t.lines->feed(std::string_view(data, n))) return n;
      t.sink_ended = true;
      return 0;
    }
    std::size_t limit = t.sink != nullptr ? kMaxErrorBody : t.max_body;
    if (t.body.size() + n > limit) {
      t.too_big = true;
      return 0;
    }
    t.body.append(data, n);
    return n;
  } catch (...) {
    return 0;
  }
}

extern "C" int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) noexcept {
  auto& t = *static_cast<Transfer*>(user);
  return t.stop->load(std::memory_order_relaxed) ? 1 : 0;
}

Result<std::string> read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail_errno(errno == 0 ? ENOENT : errno, fmt::format("read token file '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return fail_plain(fmt::format("token file '{}' is empty", path));
  return token;
}

void set_blob(CURL* c, CURLoption opt, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};  // NOLINT: curl copies it
  curl_easy_setopt(c, opt, &blob);
}

Result<HttpResponse> perform(const KubeConfig& cfg, std::string_view path, Transfer& t) {
  CurlPtr curl(curl_easy_init());
  if (!curl) return fail_plain("curl_easy_init failed");
  CURL* c = curl.get();
  t.curl = c;
  std::string url = cfg.server + std::string(path);
  std::array<char, CURL_ERROR_SIZE> errbuf{};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf.data());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  if (t.idle_timeout_seconds > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, t.idle_timeout_seconds);
  }
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (!cfg.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, cfg.ca_file.c_str());
  if (!cfg.ca_pem.empty()) set_blob(c, CURLOPT_CAINFO_BLOB, cfg.ca_pem);
  if (!cfg.client_cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, cfg.client_cert_file.c_str());
  if (!cfg.client_cert_pem.empty()) set_blob(c, CURLOPT_SSLCERT_BLOB, cfg.client_cert_pem);
  if (!cfg.client_key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, cfg.client_key_file.c_str());
  if (!cfg.client_key_pem.empty()) set_blob(c, CURLOPT_SSLKEY_BLOB, cfg.client_key_pem);
  if (cfg.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  SlistPtr headers;
  auto add_header = [&](const std::string& h) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  add_header("Accept: application/json");
  if (!t.method.empty()) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, t.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, t.request_body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request_body.size()));
    add_header("Content-Type: " + t.content_type);
  }
  std::string token = cfg.token;
  if (!cfg.token_file.empty()) {
    auto tk = read_token(cfg.token_file);
    if (!tk) return fail(tk.error());
    token = std::move(*tk);
  }
  if (!token.empty()) add_header("Authorization: Bearer " + token);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  const char* verb = t.method.empty() ? "GET" : t.method.c_str();
  CURLcode rc = curl_easy_perform(c);
  if (t.status == 0) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.status);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return fail_errno(ECANCELED, fmt::format("{} {}: stopped", verb, path));
  curl_off_t connected_us = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected_us);
  if (rc == CURLE_OPERATION_TIMEDOUT && t.idle_timeout_seconds > 0 && connected_us > 0)
    return fail_errno(ETIMEDOUT, fmt::format("{} {}: no data for {} s (stalled connection)", verb, path,
                                             t.idle_timeout_seconds));
  if (rc == CURLE_WRITE_ERROR && t.sink_ended) return HttpResponse{t.status, std::move(t.body)};
  if (rc == CURLE_WRITE_ERROR && t.too_big) {
    return fail_plain(fmt::format("{} {}: response larger than {} bytes", verb, path, t.sink ? kMaxErrorBody : t.max_body));
  }
  if (rc != CURLE_OK) {
    return fail_plain(fmt::format("{} {}: {}", verb, path, errbuf[0] != '\0' ? errbuf.data() : curl_easy_strerror(rc)));
  }
  return HttpResponse{t.status, std::move(t.body)};
}

}  // namespace

std::string url_encode(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Result<KubeClient> KubeClient::create(KubeConfig config) {
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    return fail_plain(fmt::format("kube client: server '{}' is not an http(s) URL", config.server));
  }
  return KubeClient(std::move(config));
}

Result<HttpResponse> KubeClient::get(std::string_view path_and_query, std::size_t max_body,
                                     const std::atomic<bool>& stop, std::chrono::seconds idle_timeout) const {
  Transfer t;
  t.stop = &stop;
  t.max_body = max_body;
  t.idle_timeout_seconds = static_cast<long>(idle_timeout.count());
  return perform(config_, path_and_query, t);
}

Result<HttpResponse> KubeClient::patch(std::string_view path_and_query, std::string_view content_type,
                                       std::string_view body, std::size_t max_body,
                                       const std::atomic<bool>& stop) const {
  Transfer t;
  t.stop = &stop;
  t.max_body = max_body;
  t.method = "PATCH";
  t.content_type = std::string(content_type);
  t.request_body = body;
  return perform(config_, path_and_query, t);
}

Result<HttpResponse> KubeClient::stream(std::string_view path_and_query, LineSink& sink,
                                        const std::atomic<bool>& stop, std::chrono::seconds idle_timeout) const {
  Transfer t;
  t.stop = &stop;
  t.sink = &sink;
  t.idle_timeout_seconds = static_cast<long>(idle_timeout.count());
  LineSplitter lines(sink);
  t.lines = &lines;
  auto r = perform(config_, path_and_query, t);
  // A final line without a newline (server closed cleanly) still counts.
  if (r && r->status == 200) lines.finish();
  return r;
}

}  // namespace seismo::pods
