#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chaos/fault_spec.h"

namespace seismo::chaos {

// Faults compose (docs/faults.md, Composition): loss faults on the same
// packets drop independently (like lossy links in series), a loss and a
// delay both apply, faults with disjoint filters never meet. The one true
// conflict: two delay faults on the same device hook whose filters can
// select the same packet, since "which delay?" has no single right answer
// (sum, max, either). The second is refused, naming the first.
struct PlacedFault {
  std::string name;
  const FaultSpec* spec = nullptr;
};

// The name of the first fault in `same_hook` (faults already on a device
// hook the candidate would use) that conflicts with `candidate`.
std::optional<std::string> conflicting_fault(const FaultSpec& candidate, const std::vector<PlacedFault>& same_hook);

}  // namespace seismo::chaos
