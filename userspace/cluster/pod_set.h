#pragma once

// The pods one list+watch returns (a fault's label-selected pods, cluster
// wide), fed by a ListWatch. Pods being deleted (deletionTimestamp) are left
// out: they are no candidates (contract). Also serves node labels (a
// ListWatch of nodes) for nodeSelectors.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pods/list_watch.h"
#include "pods/pod.h"

namespace seismo::cluster {

class PodSet : public pods::ListWatchSink {
 public:
  explicit PodSet(std::function<void()> changed) : changed_(std::move(changed)) {}

  void replace(std::vector<nlohmann::json> objects) override;
  void upsert(const nlohmann::json& object) override;
  void erase(const nlohmann::json& object) override;
  bool accept(const nlohmann::json& object) override;

  [[nodiscard]] std::vector<pods::Pod> pods() const;
  // A whole list has arrived. Set with the list under the lock, before the
  // change is announced: a pass woken by the list sees it complete (a
  // ListWatch's own synced() flips only after replace() returns).
  [[nodiscard]] bool listed() const;

 private:
  std::function<void()> changed_;
  mutable std::mutex mu_;
  std::map<std::string, pods::Pod> pods_;  // by uid
  bool listed_ = false;
};

class NodeLabels : public pods::ListWatchSink {
 public:
  explicit NodeLabels(std::function<void()> changed) : changed_(std::move(changed)) {}

  void replace(std::vector<nlohmann::json> objects) override;
  void upsert(const nlohmann::json& object) override;
  void erase(const nlohmann::json& object) override;

  [[nodiscard]] std::map<std::string, std::map<std::string, std::string>> labels() const;
  [[nodiscard]] bool listed() const;  // as PodSet::listed

 private:
  std::function<void()> changed_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> labels_;  // node name → labels
  bool listed_ = false;
};

}  // namespace seismo::cluster
