#pragma once

namespace seismo::cluster {

// A node's phase for one NetworkFault (status.nodes[].phase; docs/cluster.md).
// `pending` is never written: the pod lists are not complete yet, so the
// node neither installs nor removes anything for the fault.
enum class NodePhase { pending, injected, no_targets, paused, expired, recovered, failed };

[[nodiscard]] const char* phase_name(NodePhase phase);

}  // namespace seismo::cluster
