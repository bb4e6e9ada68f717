#pragma once

#include <vector>

#include "chaos/fault_plan.h"
#include "chaos/world_snapshot.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

// Whose TCP events count for a guarded fault's guard: the cgroup of a
// target.by: socket fault (its sockets and those of the cgroups below), else
// the network namespace of every endpoint the plan touches (the endpoint's
// own netns, also when the device used is its veth peer on the host).
// Sorted, without duplicates.
std::vector<fault_guard_owner_key> guard_owners_of(const FaultPlan& plan, const std::vector<EndpointFacts>& endpoints);

}  // namespace seismo::chaos
