#pragma once

// `seismo apply -f` of NetworkFault (seismo.dev/v1alpha1) and Chaos Mesh
// NetworkChaos (chaos-mesh.org/v1alpha1) documents on one node, with no API
// server involved (docs/cluster.md, "Local apply"): the selector and mode
// pick among THIS node's pods at apply time (rendezvous order, so the same
// document picks the same pods again), the fault is named after
// metadata.name (never nf-*, which belongs to cluster mode) and runs its
// whole duration from now. A target selector is refused (its pods may live
// on other nodes); externalTargets work. The documents are read by the
// reader `seismo convert` uses (crd/document.h): a `kind: List` of them
// works too.

#include <functional>
#include <string_view>
#include <vector>

#include "chaos/fault_spec.h"
#include "common/result.h"
#include "crd/network_fault.h"
#include "pods/pod.h"

namespace seismo::daemon {

// This node's pods now; an empty function when seismod has none.
using NodePods = std::function<std::vector<pods::Pod>()>;

// The engine faults of a fault.apply document, its text read once: seismo's
// own fault specs (docs/faults.md), or, when any document is a Kubernetes
// object, the NetworkFault/NetworkChaos objects (all of them must be) over
// this node's pods. Without pods a NetworkFault document is still checked
// (a bad one is EINVAL naming the field), and a good one is EOPNOTSUPP.
[[nodiscard]] Result<std::vector<chaos::FaultSpec>> fault_document_specs(std::string_view text,
                                                                         const NodePods& node_pods);

// The engine faults for NetworkFaults read from a document, over
// `node_pods` (this node's pods). Errors name the fault and field:
// "faults[1]: spec.target: ...".
[[nodiscard]] Result<std::vector<chaos::FaultSpec>> local_network_fault_specs(
    const std::vector<crd::NetworkFault>& faults, const std::vector<pods::Pod>& node_pods);

}  // namespace seismo::daemon
