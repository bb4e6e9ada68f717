#include "http_probe.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace seismo::fakes {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t keep_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

}  // namespace

HttpAnswer http_call(const std::string& method, const std::string& url, const std::string& body,
                     const std::string& content_type) {
  HttpAnswer out;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, ListDeleter> headers(
      curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str()));
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "probe/1.0");
  if (!body.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, keep_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  if (curl_easy_perform(curl.get()) == CURLE_OK) curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

WatchStream::WatchStream(std::string url) : url_(std::move(url)), thread_([this] { run(); }) {}

WatchStream::~WatchStream() { stop(); }

void WatchStream::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void WatchStream::run() {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url_.c_str());
  auto on_data = +[](char* data, std::size_t size, std::size_t n, void* user) -> std::size_t {
    auto* self = static_cast<WatchStream*>(user);
    std::lock_guard lock(self->mu_);
    self->partial_.append(data, size * n);
    for (auto nl = self->partial_.find('\n'); nl != std::string::npos; nl = self->partial_.find('\n')) {
      self->events_.push_back(nlohmann::json::parse(self->partial_.substr(0, nl), nullptr, false));
      self->partial_.erase(0, nl + 1);
    }
    return size * n;
  };
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, this);
  // The progress callback runs at least once a second: it ends the transfer
  // on stop().
  auto on_progress = +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
    return static_cast<WatchStream*>(user)->stop_ ? 1 : 0;
  };
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_code_ = static_cast<int>(curl_easy_perform(curl.get()));
  ended_ = true;
}

std::vector<nlohmann::json> WatchStream::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

bool WatchStream::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (events_.size() >= n) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool WatchStream::wait_ended(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return ended_;
}

}  // namespace seismo::fakes
