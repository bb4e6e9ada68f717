#pragma once

#include <cstdint>
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
  void upsert(Pod pod);
  // True when the pod was present.
  bool erase(const std::string& uid);
  // A relist: the new set replaces everything (pods deleted while the watch
  // was down disappear here).
  void replace_all(std::vector<Pod> pods);

  [[nodiscard]] std::optional<Pod> by_uid(const std::string& uid) const;
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

  mutable std::mutex mu_;
  std::unordered_map<std::string, Pod> pods_;
  std::unordered_map<std::string, std::string> container_to_uid_;
  uint64_t generation_ = 0;
  std::function<void()> listener_;
};

}  // namespace seismo::pods
