#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace seismo::fakes {

// A plain libcurl client for tests that talk to a fake API server with any
// verb (the daemon's KubeClient is GET-only on purpose).
struct HttpAnswer {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

HttpAnswer http_call(const std::string& method, const std::string& url, const std::string& body = "",
                     const std::string& content_type = "application/json");

// A watch stream read on its own thread, line by line, until stop() or the
// server ends it.
class WatchStream {
 public:
  explicit WatchStream(std::string url);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The events so far (parsed lines).
  [[nodiscard]] std::vector<nlohmann::json> events() const;
  // Waits until at least `n` events arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Waits until the server ended the stream; false on timeout.
  bool wait_ended(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // How it ended: curl's code (0 = the server closed it cleanly).
  [[nodiscard]] int curl_code() const { return curl_code_; }
  void stop();

 private:
  void run();

  std::string url_;
  mutable std::mutex mu_;
  std::string partial_;
  std::vector<nlohmann::json> events_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::atomic<int> curl_code_{-1};
  std::thread thread_;
};

}  // namespace seismo::fakes
