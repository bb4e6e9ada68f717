#pragma once

// The status documents a node applies (contract: each node only its own
// status.nodes[] entry under fieldManager seismo-node-<node>; the summary
// under the shared manager seismo-summary). Pure: JSON in, JSON out.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/node_phase.h"

namespace seismo::cluster {

struct NodeStatusEntry {
  std::string namespace_name;
  std::string name;
  NodePhase phase = NodePhase::pending;
  std::vector<std::string> pods;  // "ns/name", sorted
  uint64_t passed = 0;
  uint64_t dropped = 0;
  uint64_t delayed = 0;
  std::string message;
  int64_t observed_generation = 0;

  // Whether `other` says something new besides the counters.
  [[nodiscard]] bool same_state(const NodeStatusEntry& other) const {
    return phase == other.phase && pods == other.pods && message == other.message &&
           observed_generation == other.observed_generation;
  }
  [[nodiscard]] bool same_counters(const NodeStatusEntry& other) const {
    return passed == other.passed && dropped == other.dropped && delayed == other.delayed;
  }
};

// The apply configuration of this node's entry; `updated` is RFC 3339.
[[nodiscard]] nlohmann::json node_entry_body(const NodeStatusEntry& entry, const std::string& node,
                                             const std::string& updated);

// The summary `object` (as the API server returned it) should have:
// {"injectedNodes", "pods", "conditions": [AllInjected, AllRecovered]}.
[[nodiscard]] nlohmann::json summary_of(const nlohmann::json& object);
// Whether the object's summary differs from summary_of (conditions compared
// by type and status only).
[[nodiscard]] bool summary_differs(const nlohmann::json& object, const nlohmann::json& summary);
// The apply configuration of the summary; conditions get `now` as their
// lastTransitionTime when their status changes.
[[nodiscard]] nlohmann::json summary_body(const nlohmann::json& object, const nlohmann::json& summary,
                                          const std::string& now);

[[nodiscard]] std::string rfc3339(int64_t unix_seconds);

}  // namespace seismo::cluster
