#include "events/attribution_hold.h"

#include <unordered_set>

namespace seismo::events {

AttributionHold::AttributionHold(Join join, Publish publish, AttributionHoldOptions options)
    : join_(std::move(join)), publish_(std::move(publish)), options_(options), thread_([this] { run(); }) {}

AttributionHold::~AttributionHold() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AttributionHold::submit(const std::string& topic, nlohmann::json event, const std::string& key) {
  std::lock_guard lock(mu_);
  // Published under the lock, so a released event and a new one of the same
  // owner reach the hub in the order the kernel saw them.
  if (key.empty()) {
    publish_(topic, event);
    return;
  }
  const bool waiting_behind = held_per_key_.contains(key);
  if (!waiting_behind && join_(event, key)) {
    publish_(topic, event);
    return;
  }
  if (held_.size() >= options_.max_held) {
    ++counters_.overflow;
    publish_(topic, event);
    return;
  }
  held_.push_back({topic, std::move(event), key, Clock::now() + options_.max_hold});
  ++held_per_key_[key];
  ++counters_.held;
  if (held_.size() == 1) cv_.notify_one();  // the thread now has a deadline to wait for
}

void AttributionHold::retry() {
  {
    std::lock_guard lock(mu_);
    if (held_.empty()) return;
    retry_pending_ = true;
  }
  cv_.notify_one();
}

AttributionHoldCounters AttributionHold::counters() const {
  std::lock_guard lock(mu_);
  AttributionHoldCounters c = counters_;
  c.holding = held_.size();
  return c;
}

void AttributionHold::forget_locked(const std::string& key) {
  auto it = held_per_key_.find(key);
  if (it != held_per_key_.end() && --it->second == 0) held_per_key_.erase(it);
}

void AttributionHold::release_locked(Clock::time_point now) {
  // One failed join per key and pass: a later event of an owner still
  // unknown stays behind the earlier one without asking again.
  std::unordered_set<std::string> unknown;
  for (auto it = held_.begin(); it != held_.end();) {
    bool joined = false;
    if (!unknown.contains(it->key)) {
      joined = join_(it->event, it->key);
      if (!joined) unknown.insert(it->key);
    }
    if (joined || it->deadline <= now) {
      ++(joined ? counters_.attributed : counters_.expired);
      publish_(it->topic, it->event);
      forget_locked(it->key);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

void AttributionHold::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!retry_pending_) {
      if (held_.empty()) {
        cv_.wait(lock, [&] { return stop_ || retry_pending_ || !held_.empty(); });
      } else {
        const auto deadline = held_.front().deadline;
        cv_.wait_until(lock, deadline, [&] { return stop_ || retry_pending_; });
      }
    }
    if (stop_) break;
    retry_pending_ = false;
    release_locked(Clock::now());
  }
  for (auto& h : held_) {
    ++counters_.expired;
    publish_(h.topic, h.event);
  }
  held_.clear();
  held_per_key_.clear();
}

}  // namespace seismo::events
