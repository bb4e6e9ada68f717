#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pods/pod.h"

namespace seismo::pods {

// A pod and the one container a container id belongs to.
struct ContainerOwner {
  Pod pod;
  PodContainer container;
};

// The pods of this node, keyed by UID, with a container-id index. Written by
// the PodWatcher thread, read by the metrics labeler and the fault engine.
// Lookups return copies so no reference outlives the lock.
class PodStore {
 public:
  // Deleted pods remembered for by_uid_or_recent (UIDs are never reused).
  static constexpr std::size_t kRecentlyDeleted = 256;

  void upsert(Pod pod);
  // True when the pod was present.
  bool erase(const std::string& uid);
  // A relist: the new set replaces everything (pods deleted while the watch
  // was down disappear here).
  void replace_all(std::vector<Pod> pods);

  // `uid` is metadata.uid, or the UID a pod's cgroups carry: a static pod's
  // hash finds its mirror pod (pod.h, cgroup_uid).
  [[nodiscard]] std::optional<Pod> by_uid(const std::string& uid) const;
  // A live pod, or one deleted (or gone in a relist) among the last
  // kRecentlyDeleted: trace events a pod emitted just before its deletion
  // reached us still name it. Metrics and faults use by_uid (live only).
  [[nodiscard]] std::optional<Pod> by_uid_or_recent(const std::string& uid) const;
  [[nodiscard]] std::optional<ContainerOwner> by_container_id(const std::string& container_id) const;
  // All pods sorted by namespace/name.
  [[nodiscard]] std::vector<Pod> snapshot() const;
  [[nodiscard]] std::size_t size() const;
  // Bumped on every change, so readers can cache derived data.
  [[nodiscard]] uint64_t generation() const;
  // Called after every change, outside the lock, on the writer's thread
  // (the watcher's). Set before the writer starts; must not block long.
  void on_change(std::function<void()> listener) { listener_ = std::move(listener); }

 private:
  void index_locked(const Pod& pod);
  void unindex_locked(const Pod& pod);
  void remember_deleted_locked(Pod pod);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Pod> pods_;
  std::unordered_map<std::string, std::string> container_to_uid_;
  std::unordered_map<std::string, std::string> static_to_uid_;  // a mirror pod's cgroup_uid → its uid
  std::unordered_map<std::string, Pod> recently_deleted_;  // at most kRecentlyDeleted
  std::deque<std::string> deleted_order_;                  // their UIDs, oldest first
  uint64_t generation_ = 0;
  std::function<void()> listener_;
};

}  // namespace seismo::pods
