#include "cluster/status_publisher.h"

#include <vector>

#include "common/log.h"

namespace seismo::cluster {

StatusPublisher::StatusPublisher(std::unique_ptr<StatusWriter> writer, StatusPublisherOptions options)
    : writer_(std::move(writer)), options_(options) {}

StatusPublisher::~StatusPublisher() { stop(); }

void StatusPublisher::start() { thread_ = std::thread([this] { loop(); }); }

void StatusPublisher::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatusPublisher::offer(const std::string& uid, const NodeStatusEntry& entry) {
  {
    std::lock_guard lock(mu_);
    auto& slot = slots_[uid];
    slot.pending = entry;
    slot.has_pending = true;
  }
  cv_.notify_all();
}

void StatusPublisher::forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  slots_.erase(uid);
}

bool StatusPublisher::due(const Slot& slot, std::chrono::steady_clock::time_point now) const {
  if (!slot.has_pending || now < slot.retry_at) return false;
  if (!slot.has_written || !slot.written.same_state(slot.pending)) return true;
  if (slot.written.same_counters(slot.pending)) return false;
  return now - slot.written_at >= options_.counter_interval;
}

void StatusPublisher::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, NodeStatusEntry>> batch;
    for (auto& [uid, slot] : slots_) {
      if (due(slot, now)) batch.emplace_back(uid, slot.pending);
    }
    if (batch.empty()) {
      cv_.wait_for(lock, std::chrono::milliseconds(500));
      continue;
    }
    lock.unlock();
    for (const auto& [uid, entry] : batch) {
      auto wall = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
      auto r = writer_->write(entry, wall.count());
      std::lock_guard relock(mu_);
      auto it = slots_.find(uid);
      if (it == slots_.end()) continue;  // forgotten meanwhile
      if (!r) {
        log::warn("cluster: status of {}/{}: {}", entry.namespace_name, entry.name, r.error().message());
        it->second.retry_at = std::chrono::steady_clock::now() + options_.retry_after;
        continue;
      }
      if (*r == WriteOutcome::gone) {
        slots_.erase(it);
        continue;
      }
      it->second.written = entry;
      it->second.has_written = true;
      it->second.written_at = std::chrono::steady_clock::now();
      if (it->second.pending.same_state(entry) && it->second.pending.same_counters(entry))
        it->second.has_pending = false;
    }
    lock.lock();
  }
}

}  // namespace seismo::cluster
