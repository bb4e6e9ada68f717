#include "chaos/pod_fault_follower.h"

#include <algorithm>

#include "common/log.h"

namespace seismo::chaos {

using pods::Pod;

PodFaultFollower::PodFaultFollower(FaultEngine& engine, const pods::PodStore& store, PodTargetResolver& resolver,
                                   std::function<bool()> ready, std::chrono::milliseconds retry)
    : engine_(engine), store_(store), resolver_(resolver), ready_(std::move(ready)), retry_(retry) {}

PodFaultFollower::~PodFaultFollower() { stop(); }

void PodFaultFollower::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void PodFaultFollower::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PodFaultFollower::notify() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void PodFaultFollower::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, retry_, [this] { return stop_ || dirty_; });
    if (stop_) break;
    dirty_ = false;
    lock.unlock();
    reconcile();
    lock.lock();
  }
}

void PodFaultFollower::reconcile() {
  if (!ready_()) return;
  const auto members = engine_.members();
  if (members.empty()) {
    reported_.clear();
    return;
  }
  const std::vector<Pod> pods = store_.snapshot();
  auto alive = [&](const std::string& uid) {
    return std::any_of(pods.begin(), pods.end(), [&](const Pod& p) { return p.uid == uid; });
  };
  for (const auto& m : members) {
    if (m.spec.target.kind != TargetKind::pods) continue;
    size_t left = m.owners.size();
    for (const auto& owner : m.owners) {
      if (alive(owner)) continue;
      auto r = engine_.retract(m.name, owner);
      if (!r) log::warn("pod fault '{}': drop pod {}: {}", m.name, owner, r.error().message());
      else --left;
    }
    if (m.spec.mode != SelectMode::all) {
      if (left == 0 && !m.owners.empty()) {
        if (auto r = engine_.remove(m.name); r) log::info("pod fault '{}' ended: all its pods are gone", m.name);
      }
      continue;
    }
    auto sel = selection_of(m.spec.target.selector);
    if (!sel) continue;
    std::vector<Pod> joining;
    for (const auto& pod : pods)
      if (sel->matches(pod) && std::find(m.owners.begin(), m.owners.end(), pod.uid) == m.owners.end())
        joining.push_back(pod);
    if (joining.empty()) continue;
    std::vector<std::string> skipped;
    auto eps = resolver_.endpoints_for(joining, m.spec.target.interface.empty() ? "eth0" : m.spec.target.interface,
                                       &skipped);
    for (size_t i = 0; i < skipped.size(); ++i) {
      // Usually "no process yet": retried each pass, logged once.
      const std::string& why = skipped[i];
      if (reported_.emplace(m.name, why.substr(0, why.find(':'))).second)
        log::debug("pod fault '{}': not yet on {}", m.name, why);
    }
    if (eps.empty()) continue;
    if (auto r = engine_.extend(m.name, std::move(eps)); !r && reported_.emplace(m.name, r.error().message()).second)
      log::warn("pod fault '{}': {}", m.name, r.error().message());
  }
}

}  // namespace seismo::chaos
