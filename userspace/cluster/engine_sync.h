#pragma once

// Converges the engine on the plans (Kubernetes controllers' reconcile: what
// should run vs what runs now). A fault whose spec is unchanged is never
// reinstalled: pods that joined are added (extend), pods that left are
// dropped (retract), a changed peer set (the target's pods and their IPs,
// externalTargets) is replaced in place (set_peers); any other change
// (action, rates, direction, ports) is removed and added again. Engine faults named nf-* that no plan wants
// (deleted, paused, expired, no pods here, or unknown after a restart)
// are removed; a pending plan keeps what runs.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/engine_actions.h"
#include "cluster/node_plan.h"

namespace seismo::cluster {

struct SyncOutcome {
  // Per fault uid: the first error of its engine changes ("" when none).
  std::map<std::string, std::string> errors;
  // Per fault uid: the pod uids its engine faults cover after the pass.
  std::map<std::string, std::set<std::string>> covered;
  // Per engine fault name: what it had counted when this pass removed it
  // (paused, reinstalled for a changed spec, no longer wanted), so the
  // status counters of its NetworkFault go on from there.
  std::map<std::string, chaos::FaultCounters> retired;
  unsigned added = 0, removed = 0, extended = 0, retracted = 0, repeered = 0;
};

// `plans`: one per known NetworkFault (valid or not: a failed or pending plan
// still names its uid). Call only once the fault list is complete (a first
// list), so faults adopted at a restart are not removed against an empty list.
[[nodiscard]] SyncOutcome sync_engine(EngineActions& engine, const std::vector<NodeFaultPlan>& plans);

}  // namespace seismo::cluster
