#pragma once

// `seismo apply -f` of NetworkFault (seismo.dev/v1alpha1) and Chaos Mesh
// NetworkChaos (chaos-mesh.org/v1alpha1) documents on one node, with no API
// server involved (docs/cluster.md, "Local apply"): the selector and mode
// pick among THIS node's pods at apply time (rendezvous order, so the same
// document picks the same pods again), the fault is named after
// metadata.name (never nf-*, which belongs to cluster mode) and runs its
// whole duration from now. A target selector is refused (its pods may live
// on other nodes); externalTargets work.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/fault_spec.h"
#include "common/result.h"
#include "pods/pod.h"

namespace seismo::daemon {

// Whether any item of a fault document is a NetworkFault or NetworkChaos.
[[nodiscard]] bool holds_network_faults(const std::vector<nlohmann::json>& items);

// The engine faults for every item (all must be NetworkFault/NetworkChaos),
// over `node_pods` (this node's pods). Errors name the item and field:
// "faults[1]: spec.target: ...".
[[nodiscard]] Result<std::vector<chaos::FaultSpec>> local_network_fault_specs(
    const std::vector<nlohmann::json>& items, const std::vector<pods::Pod>& node_pods);

}  // namespace seismo::daemon
