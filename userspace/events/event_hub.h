#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seismo::events {

// Fans discrete events (exec, later tcp/oom) out to `seismo trace` clients.
// Each subscriber has a bounded queue: a slow client loses events (counted),
// it never slows the ring buffer consumer or grows memory.
class EventHub {
 public:
  class Subscription {
   public:
    Subscription(std::string topic, size_t limit) : topic_(std::move(topic)), limit_(limit) {}
    // Waits up to `timeout` for the next event.
    std::optional<nlohmann::json> pop(std::chrono::milliseconds timeout);
    [[nodiscard]] uint64_t dropped() const { return dropped_.load(); }
    [[nodiscard]] const std::string& topic() const { return topic_; }

   private:
    friend class EventHub;
    bool push(const nlohmann::json& event);

    std::string topic_;
    size_t limit_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<nlohmann::json> queue_;
    std::atomic<uint64_t> dropped_{0};
  };

  explicit EventHub(size_t queue_limit = 4096) : queue_limit_(queue_limit) {}

  std::shared_ptr<Subscription> subscribe(const std::string& topic);
  void unsubscribe(const std::shared_ptr<Subscription>& sub);

  // Cheap check so producers build an event only when someone listens.
  [[nodiscard]] bool has_subscribers(const std::string& topic) const;
  void publish(const std::string& topic, const nlohmann::json& event);

  // Events dropped because a subscriber's queue was full.
  [[nodiscard]] uint64_t dropped_total() const { return dropped_.load(); }

 private:
  size_t queue_limit_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  std::atomic<size_t> sub_count_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace seismo::events
