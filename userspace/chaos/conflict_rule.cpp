#include "chaos/conflict_rule.h"

namespace seismo::chaos {

std::optional<std::string> conflicting_fault(const FaultSpec& candidate, const std::vector<PlacedFault>& same_hook) {
  if (candidate.action != Action::delay) return std::nullopt;
  for (const auto& placed : same_hook) {
    if (placed.spec->action != Action::delay) continue;
    if (filters_overlap(candidate.filter, placed.spec->filter)) return placed.name;
  }
  return std::nullopt;
}

}  // namespace seismo::chaos
