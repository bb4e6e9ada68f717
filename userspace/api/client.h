#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::api {

inline constexpr const char* kDefaultSocketPath = "/run/seismo/seismod.sock";

// The CLI's side of the control socket. One request at a time.
class Client {
 public:
  static Result<Client> connect(const std::string& path);

  // Sends a request and waits for its response. A daemon-side error comes
  // back as an Error whose context is the daemon's message.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Starts a streaming method; on_event runs for each event until it returns
  // false, the daemon ends the stream, or `should_stop` becomes true. A
  // stream cut without the daemon's end marker (this client fell behind the
  // write timeout, or seismod stopped) is an ECONNRESET error saying so.
  Result<void> stream(const std::string& method, const nlohmann::json& params,
                      const std::function<bool(const nlohmann::json&)>& on_event,
                      const std::function<bool()>& should_stop);

 private:
  explicit Client(UniqueFd fd) : fd_(std::move(fd)) {}
  Result<void> send_request(const std::string& method, const nlohmann::json& params);
  // Reads one line; returns an empty optional-like error on timeout/EOF.
  Result<std::string> read_line(int timeout_ms);

  UniqueFd fd_;
  uint64_t next_id_ = 1;
  std::string buffer_;
};

}  // namespace seismo::api
