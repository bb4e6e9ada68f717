#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/fault_plan.h"
#include "chaos/fault_registry.h"
#include "chaos/world_reader.h"
#include "common/result.h"

namespace seismo::chaos {

class InstallTransaction;

// Called before each step of an install with the step's name; an error
// makes the step fail as if the kernel had refused it (failure injection
// in tests; production passes none).
using InstallGate = std::function<Result<void>(std::string_view step)>;

// Applies a FaultPlan as one transaction (InstallTransaction of
// InstallSteps): the pinned maps, fault_cfg, for each attachment its device,
// program + filter, fq and slot list, then the state file. Any failure
// unwinds what was done; success hands it all to the registry. Call with
// the registry's mutex held.
class FaultInstaller {
 public:
  FaultInstaller(FaultRegistry& registry, std::string pin_dir, InstallGate gate)
      : registry_(registry), pin_dir_(std::move(pin_dir)), gate_(std::move(gate)) {}

  // `fault` is the fault as it will be (placement listing the plan's
  // attachments); `label` ("fault 'x'", "extend fault 'x'") prefixes errors.
  Result<void> install(const FaultPlan& plan, std::vector<EndpointHandles>& handles, const RunningFault& fault,
                       const std::string& label);

 private:
  Result<void> step(std::string_view name);
  Result<void> install_guard(const FaultPlan& plan, const RunningFault& fault, InstallTransaction& txn);
  Result<HookedDevice*> device_for(const PlannedAttachment& att, const FaultPlan& plan,
                                   std::vector<EndpointHandles>& handles, InstallTransaction& txn,
                                   std::vector<HookedDevice*>& opened);
  Result<void> attach(const PlannedAttachment& att, const FaultPlan& plan, const RunningFault& fault,
                      std::vector<EndpointHandles>& handles, InstallTransaction& txn,
                      std::vector<HookedDevice*>& opened);
  // The registry's state plus the devices this install opened so far.
  [[nodiscard]] EngineState state_with(const std::vector<HookedDevice*>& opened) const;
  // Records the devices changed so far (a crash now leaves a record the
  // next daemon can undo).
  void checkpoint(const std::vector<HookedDevice*>& opened);

  FaultRegistry& registry_;
  std::string pin_dir_;
  InstallGate gate_;
};

}  // namespace seismo::chaos
