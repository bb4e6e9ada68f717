#pragma once

#include "api/router.h"
#include "chaos/fault_engine.h"

namespace seismo::daemon {

// Control methods (the engine must outlive the router's use):
//   fault.add    admin  params: a fault spec            → the fault
//   fault.apply  admin  params: {"document": "<YAML or JSON text>"} → {"faults": [...]}
//   fault.ls     read   params: {}                     → {"faults": [...], "fq_available", "reconcile"}
//   fault.rm     admin  params: {"name": "..."}        → {"removed": "..."}
//   fault.clear  admin  params: {}                     → {"removed": N}
void register_fault_routes(api::Router& router, chaos::FaultEngine& engine);

}  // namespace seismo::daemon
