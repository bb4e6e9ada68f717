#include "pods/pod_store.h"

#include <algorithm>
#include <tuple>

namespace seismo::pods {

void PodStore::index_locked(const Pod& pod) {
  for (const auto& c : pod.containers) {
    if (!c.id.empty()) container_to_uid_[c.id] = pod.uid;
  }
  if (auto cg = cgroup_uid(pod); cg != pod.uid) static_to_uid_[cg] = pod.uid;
}

void PodStore::unindex_locked(const Pod& pod) {
  for (const auto& c : pod.containers) {
    auto it = container_to_uid_.find(c.id);
    if (it != container_to_uid_.end() && it->second == pod.uid) container_to_uid_.erase(it);
  }
  if (auto it = static_to_uid_.find(cgroup_uid(pod)); it != static_to_uid_.end() && it->second == pod.uid)
    static_to_uid_.erase(it);
}

void PodStore::remember_deleted_locked(Pod pod) {
  if (recently_deleted_.contains(pod.uid)) return;
  if (deleted_order_.size() >= kRecentlyDeleted) {
    recently_deleted_.erase(deleted_order_.front());
    deleted_order_.pop_front();
  }
  deleted_order_.push_back(pod.uid);
  auto uid = pod.uid;
  recently_deleted_.emplace(std::move(uid), std::move(pod));
}

void PodStore::upsert(Pod pod) {
  {
    std::lock_guard lock(mu_);
    auto it = pods_.find(pod.uid);
    if (it != pods_.end()) {
      unindex_locked(it->second);
      it->second = std::move(pod);
      index_locked(it->second);
    } else {
      auto [ins, _] = pods_.emplace(pod.uid, std::move(pod));
      index_locked(ins->second);
    }
    ++generation_;
  }
  if (listener_) listener_();
}

bool PodStore::erase(const std::string& uid) {
  {
    std::lock_guard lock(mu_);
    auto it = pods_.find(uid);
    if (it == pods_.end()) return false;
    unindex_locked(it->second);
    remember_deleted_locked(std::move(it->second));
    pods_.erase(it);
    ++generation_;
  }
  if (listener_) listener_();
  return true;
}

void PodStore::replace_all(std::vector<Pod> pods) {
  {
    std::lock_guard lock(mu_);
    std::unordered_map<std::string, Pod> old;
    old.swap(pods_);
    container_to_uid_.clear();
    static_to_uid_.clear();
    for (auto& p : pods) {
      auto uid = p.uid;
      auto [it, _] = pods_.insert_or_assign(uid, std::move(p));
      index_locked(it->second);
    }
    for (auto& [uid, p] : old)
      if (!pods_.contains(uid)) remember_deleted_locked(std::move(p));
    ++generation_;
  }
  if (listener_) listener_();
}

std::optional<Pod> PodStore::by_uid(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    auto s = static_to_uid_.find(uid);
    if (s == static_to_uid_.end()) return std::nullopt;
    it = pods_.find(s->second);
    if (it == pods_.end()) return std::nullopt;
  }
  return it->second;
}

std::optional<Pod> PodStore::by_uid_or_recent(const std::string& uid) const {
  std::lock_guard lock(mu_);
  if (auto it = pods_.find(uid); it != pods_.end()) return it->second;
  if (auto s = static_to_uid_.find(uid); s != static_to_uid_.end())
    if (auto it = pods_.find(s->second); it != pods_.end()) return it->second;
  if (auto it = recently_deleted_.find(uid); it != recently_deleted_.end()) return it->second;
  return std::nullopt;
}

std::optional<ContainerOwner> PodStore::by_container_id(const std::string& container_id) const {
  std::lock_guard lock(mu_);
  auto c = container_to_uid_.find(container_id);
  if (c == container_to_uid_.end()) return std::nullopt;
  const Pod& pod = pods_.at(c->second);
  for (const auto& container : pod.containers) {
    if (container.id == container_id) return ContainerOwner{pod, container};
  }
  return std::nullopt;
}

std::vector<Pod> PodStore::snapshot() const {
  std::vector<Pod> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(pods_.size());
    for (const auto& [_, p] : pods_) out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const Pod& a, const Pod& b) {
    return std::tie(a.namespace_name, a.name, a.uid) < std::tie(b.namespace_name, b.name, b.uid);
  });
  return out;
}

std::size_t PodStore::size() const {
  std::lock_guard lock(mu_);
  return pods_.size();
}

uint64_t PodStore::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

}  // namespace seismo::pods
