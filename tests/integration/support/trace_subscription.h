#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::testing {

// A streaming control-socket request ("trace.exec", "trace.oom", …) running
// on a thread of its own, collecting events until `max_events` arrived or
// stop() is called. The destructor stops and joins, so a failing assertion
// never leaves the thread behind.
class TraceSubscription {
 public:
  static Result<std::unique_ptr<TraceSubscription>> start(const std::string& socket, const std::string& method,
                                                          nlohmann::json params,
                                                          size_t max_events = std::numeric_limits<size_t>::max());
  ~TraceSubscription();
  TraceSubscription(const TraceSubscription&) = delete;
  TraceSubscription& operator=(const TraceSubscription&) = delete;

  [[nodiscard]] size_t count() const;
  // True once at least n events arrived; false at the timeout.
  bool wait_for(size_t n, std::chrono::milliseconds timeout) const;
  // Stops the stream (idempotent) and returns what arrived.
  std::vector<nlohmann::json> stop();

 private:
  TraceSubscription() = default;

  mutable std::mutex mutex_;
  std::vector<nlohmann::json> events_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace seismo::testing
