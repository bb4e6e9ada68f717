#pragma once

// What this node should do about one NetworkFault, decided with no side
// effect from what the lists say (docs/cluster.md, "How a node applies a
// NetworkFault"): the candidates, the creationTimestamp rule, the
// coordinator-free pick, this node's share, the remaining duration, pause
// and expiry. Unit-tested with fake inputs.

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "chaos/fault_spec.h"
#include "cluster/node_phase.h"
#include "crd/network_fault.h"
#include "pods/pod.h"

namespace seismo::cluster {

// One fault and the pods its lists hold.
struct FaultView {
  crd::NetworkFault fault;
  std::vector<pods::Pod> candidates;     // pods `selector` matches, cluster-wide
  std::vector<pods::Pod> target_pods;    // pods `target.selector` matches (when a target is given)
  bool pods_synced = false;              // every list the fault needs is complete
};

// The ranking: pods::pick keyed by the fault's ranking key in the daemon
// (cluster/selection.h), a fake in tests. Returns the picked pods in order.
using Picker = std::function<std::vector<pods::Pod>(const crd::NetworkFault& fault, pods::PickMode mode,
                                                    const std::string& value, std::vector<pods::Pod> candidates)>;

struct PlanContext {
  std::string node;
  int64_t now_ns = 0;  // wall clock, ns since the epoch (creationTimestamp is wall time)
  Picker pick;
};

struct NodeFaultPlan {
  std::string uid;
  std::string namespace_name;
  std::string name;
  int64_t generation = 0;
  NodePhase phase = NodePhase::pending;
  std::string message;
  std::size_t picked_total = 0;   // pods picked cluster-wide
  std::vector<pods::Pod> pods;    // the picked pods on this node
  // Uids of every candidate on this node, picked or not: a pod that leaves
  // the pick but is still here is dropped by reinstalling the fault (see
  // engine_sync), one that is gone by retracting it.
  std::set<std::string> here;
  std::vector<chaos::FaultSpec> specs;  // what the engine should run (injected only)
};

// "nf-<uid>", the prefix of every engine fault of a NetworkFault.
[[nodiscard]] std::string engine_base_name(const std::string& uid);
// Whether an engine fault name is one of ours ("nf-...").
[[nodiscard]] bool is_cluster_fault_name(const std::string& name);

[[nodiscard]] NodeFaultPlan plan_node_fault(const FaultView& view, const PlanContext& context);

}  // namespace seismo::cluster
