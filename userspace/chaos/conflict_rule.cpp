#include "chaos/conflict_rule.h"

#include <array>
#include <cstddef>

namespace seismo::chaos {
namespace {

constexpr size_t kKinds = std::size(kAllActions);

constexpr size_t index_of(Action a) { return static_cast<size_t>(a); }

// The refused pairs and why (docs/faults.md, Composition); every other pair
// composes. Reorder is part of a delay, so two reorders are two delays.
struct Refusal {
  Action a, b;
  const char* reason;
};
constexpr Refusal kRefused[] = {
    {Action::delay, Action::delay,
     "two delay faults on overlapping traffic: which delay (sum, max, either) has no single right answer"},
    {Action::bandwidth, Action::bandwidth,
     "two bandwidth faults on overlapping traffic: two token buckets on one packet give the smaller rate and "
     "drops that neither fault's counters explain"},
};

using Table = std::array<std::array<const char*, kKinds>, kKinds>;

constexpr Table make_table() {
  Table t{};
  for (const auto& r : kRefused) {
    t[index_of(r.a)][index_of(r.b)] = r.reason;
    t[index_of(r.b)][index_of(r.a)] = r.reason;
  }
  return t;
}

constexpr Table kTable = make_table();
static_assert(index_of(Action::partition) + 1 == kKinds, "kAllActions lists every Action in order");

}  // namespace

const char* conflict_reason(Action a, Action b) {
  if (index_of(a) >= kKinds || index_of(b) >= kKinds) return "unknown fault kind";
  return kTable[index_of(a)][index_of(b)];
}

bool kinds_compose(Action a, Action b) { return conflict_reason(a, b) == nullptr; }

std::optional<std::string> conflicting_fault(const FaultSpec& candidate, const std::vector<PlacedFault>& same_hook) {
  for (const auto& placed : same_hook) {
    if (kinds_compose(candidate.action, placed.spec->action)) continue;
    if (filters_overlap(candidate.filter, placed.spec->filter)) return placed.name;
  }
  return std::nullopt;
}

}  // namespace seismo::chaos
