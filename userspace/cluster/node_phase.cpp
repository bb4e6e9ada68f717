#include "cluster/node_phase.h"

namespace seismo::cluster {

const char* phase_name(NodePhase phase) {
  switch (phase) {
    case NodePhase::pending: return "Pending";
    case NodePhase::injected: return "Injected";
    case NodePhase::no_targets: return "NoTargets";
    case NodePhase::paused: return "Paused";
    case NodePhase::expired: return "Expired";
    case NodePhase::recovered: return "Recovered";
    case NodePhase::failed: return "Failed";
    case NodePhase::aborted: return "Aborted";
  }
  return "Failed";
}

}  // namespace seismo::cluster
