#pragma once

namespace seismo::cluster {

// A node's phase for one NetworkFault (status.nodes[].phase; docs/cluster.md).
// `pending` is never written: the pod lists are not complete yet, so the
// node neither installs nor removes anything for the fault.
// `aborted`: injected, and a guard stopped it in the kernel (the message
// has the reason); it stays installed, passing everything, until it ends.
enum class NodePhase { pending, injected, no_targets, paused, expired, recovered, failed, aborted };

[[nodiscard]] const char* phase_name(NodePhase phase);

}  // namespace seismo::cluster
