#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace seismo::events {

struct AttributionHoldOptions {
  // How long an event may wait for its owner. A pod's first process
  // usually starts before kubelet's status update reaches the API server
  // and its watch reaches us (tens of milliseconds, seconds when loaded).
  std::chrono::milliseconds max_hold{1000};
  // Events held at once; past it, events go out at once without their owner.
  std::size_t max_held = 4096;
};

struct AttributionHoldCounters {
  uint64_t held = 0;        // events that waited for their owner
  uint64_t attributed = 0;  // of those, joined before their deadline
  uint64_t expired = 0;     // of those, sent without their owner after max_hold (or at shutdown)
  uint64_t overflow = 0;    // sent at once without their owner: the hold was full
  std::size_t holding = 0;  // waiting now
};

// A delay queue between event producers (ring buffer threads) and the event
// hub, for events whose owner (a pod, by UID from the cgroup path) is not
// known yet. An event whose owner is known, or that has none, is published
// at once on the producer's thread; the others wait on this queue's own
// thread until retry() finds their owner or their deadline passes, so
// holding never blocks a producer, another event or a client. Events of one
// owner keep their order (a later one waits behind an earlier one).
class AttributionHold {
 public:
  // Adds the owner's fields to `event`; false while `key`'s owner is unknown.
  using Join = std::function<bool(nlohmann::json& event, const std::string& key)>;
  using Publish = std::function<void(const std::string& topic, const nlohmann::json& event)>;

  AttributionHold(Join join, Publish publish, AttributionHoldOptions options = {});
  // Sends what is still held (without owner) and stops the thread.
  ~AttributionHold();
  AttributionHold(const AttributionHold&) = delete;
  AttributionHold& operator=(const AttributionHold&) = delete;

  // An empty key means there is no owner to wait for.
  void submit(const std::string& topic, nlohmann::json event, const std::string& key);
  // Owners may have become known (the pod store changed): try the held events again.
  void retry();

  [[nodiscard]] AttributionHoldCounters counters() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Held {
    std::string topic;
    nlohmann::json event;
    std::string key;
    Clock::time_point deadline;
  };
  void run();
  void release_locked(Clock::time_point now);
  void forget_locked(const std::string& key);

  Join join_;
  Publish publish_;
  AttributionHoldOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Held> held_;  // deadlines ascend: one max_hold for all
  std::unordered_map<std::string, std::size_t> held_per_key_;
  bool retry_pending_ = false;
  bool stop_ = false;
  AttributionHoldCounters counters_;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace seismo::events
