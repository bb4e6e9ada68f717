#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chaos/fault_spec.h"

namespace seismo::chaos {

// Faults compose (docs/faults.md, Composition, which has the table and the
// reason for every pair of kinds): faults with disjoint filters never meet;
// of the pairs that can select the same packet on one device hook, a few
// are refused because they have no single right answer (two delays: sum,
// max, either?). The second is refused, naming the first.
struct PlacedFault {
  std::string name;
  const FaultSpec* spec = nullptr;
};

// Whether faults of kinds `a` and `b` may act on the same packets (the
// relation is symmetric), and why not when they may not (nullptr when they
// compose).
bool kinds_compose(Action a, Action b);
const char* conflict_reason(Action a, Action b);

// The name of the first fault in `same_hook` (faults already on a device
// hook the candidate would use) that conflicts with `candidate`.
std::optional<std::string> conflicting_fault(const FaultSpec& candidate, const std::vector<PlacedFault>& same_hook);

}  // namespace seismo::chaos
