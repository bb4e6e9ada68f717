#include "events/event_hub.h"

#include <algorithm>

namespace seismo::events {

bool EventHub::Subscription::push(const nlohmann::json& event) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= limit_) {
      dropped_.fetch_add(1);
      return false;
    }
    queue_.push_back(event);
  }
  ready_.notify_one();
  return true;
}

std::optional<nlohmann::json> EventHub::Subscription::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
  nlohmann::json e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

std::shared_ptr<EventHub::Subscription> EventHub::subscribe(const std::string& topic) {
  auto sub = std::make_shared<Subscription>(topic, queue_limit_);
  std::lock_guard lock(mutex_);
  subs_.push_back(sub);
  sub_count_.store(subs_.size());
  return sub;
}

void EventHub::unsubscribe(const std::shared_ptr<Subscription>& sub) {
  std::lock_guard lock(mutex_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
  sub_count_.store(subs_.size());
}

bool EventHub::has_subscribers(const std::string& topic) const {
  if (sub_count_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard lock(mutex_);
  return std::any_of(subs_.begin(), subs_.end(), [&](const auto& s) { return s->topic() == topic; });
}

void EventHub::publish(const std::string& topic, const nlohmann::json& event) {
  std::lock_guard lock(mutex_);
  for (auto& s : subs_)
    if (s->topic() == topic && !s->push(event)) dropped_.fetch_add(1);
}

}  // namespace seismo::events
