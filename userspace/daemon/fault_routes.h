#pragma once

#include "api/router.h"
#include <functional>
#include <vector>

#include "chaos/fault_engine.h"
#include "daemon/network_fault_apply.h"
#include "pods/pod.h"

namespace seismo::daemon {

// Control methods (the engine must outlive the router's use):
//   fault.add    admin  params: a fault spec            → the fault
//   fault.apply  admin  params: {"document": "<YAML or JSON text>"} → {"faults": [...]}
//                (fault specs, or NetworkFault / NetworkChaos objects applied
//                to this node's pods: daemon/network_fault_apply.h)
//   fault.ls     read   params: {}                     → {"faults": [...], "fq_available", "reconcile"}
//   fault.rm     admin  params: {"name": "..."}        → {"removed": "..."}
//   fault.clear  admin  params: {}                     → {"removed": N}
void register_fault_routes(api::Router& router, chaos::FaultEngine& engine, NodePods node_pods = {});

}  // namespace seismo::daemon
