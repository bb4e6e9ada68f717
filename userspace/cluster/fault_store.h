#pragma once

// The NetworkFault objects this node knows, fed by a ListWatch of
// /apis/seismo.dev/v1alpha1/networkfaults (all namespaces). An object that
// fails validation is kept as invalid (its error goes to its status entry,
// phase Failed) and counted; it never reaches the engine.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "crd/network_fault.h"
#include "pods/list_watch.h"

namespace seismo::cluster {

// An object that failed validation, and why.
struct InvalidFault {
  std::string uid;
  std::string namespace_name;
  std::string name;
  int64_t generation = 0;
  std::string error;
};

struct FaultSnapshot {
  std::vector<crd::NetworkFault> valid;
  std::vector<InvalidFault> invalid;
  // Per uid, the nodes that have an entry in the object's status.nodes: a
  // restarted node learns from it that it spoke about a fault before.
  std::map<std::string, std::set<std::string>> reporters;
  uint64_t invalid_seen = 0;  // objects refused since start
};

class FaultStore : public pods::ListWatchSink {
 public:
  using Parser = std::function<Result<crd::NetworkFault>(const nlohmann::json&)>;
  // `parser`: crd::parse_network_fault(object, true) in the daemon.
  // `changed` runs after every change (on the ListWatch's thread).
  FaultStore(Parser parser, std::function<void()> changed)
      : parser_(std::move(parser)), changed_(std::move(changed)) {}

  void replace(std::vector<nlohmann::json> objects) override;
  void upsert(const nlohmann::json& object) override;
  void erase(const nlohmann::json& object) override;

  [[nodiscard]] FaultSnapshot snapshot() const;
  // A whole list has arrived (see PodSet::listed).
  [[nodiscard]] bool listed() const;

 private:
  // Locked: files one object under its uid.
  void put_locked(const nlohmann::json& object);

  Parser parser_;
  std::function<void()> changed_;
  mutable std::mutex mu_;
  std::map<std::string, crd::NetworkFault> valid_;
  std::map<std::string, InvalidFault> invalid_;
  std::map<std::string, std::set<std::string>> reporters_;
  bool listed_ = false;
  uint64_t invalid_seen_ = 0;
};

}  // namespace seismo::cluster
