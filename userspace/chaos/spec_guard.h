#pragma once

// The `guard` field of a fault spec (docs/faults.md, Guards): budgets the
// kernel checks, aborting the fault once a count passes one.
//   guard: {window: 10s, tcpRetransmits: 50, dropped: 1000}

#include <cstdint>

#include <nlohmann/json.hpp>

#include "chaos/guard.h"
#include "common/result.h"

namespace seismo::chaos {

enum class Action;

// A budget is a whole number of events in [1, kMaxGuardBudget]: the fault
// aborts when the count passes it (count > budget). 0 is refused: the
// kernel's fault_guard keeps 0 for "no budget of this kind".
inline constexpr uint64_t kMaxGuardBudget = 1'000'000'000'000ULL;
// The sliding window's bounds: shorter than 100 ms the two-window estimate
// is mostly noise of one tick; longer than a fault can last means nothing.
inline constexpr uint64_t kMinGuardWindowNs = 100'000'000ULL;            // 100 ms
inline constexpr uint64_t kMaxGuardWindowNs = 24ULL * 3600 * 1'000'000'000;  // 24 h

// Parses `guard` (an object of budgets by spec key, and an optional
// `window` duration) for a fault of `action`. Every error is EINVAL naming
// the field ("guard.tcpRetransmits: -1 is negative").
Result<GuardSpec> parse_guard(const nlohmann::json& guard, Action action);
// The canonical form, accepted back by parse_guard; an empty guard is null.
nlohmann::json guard_json(const GuardSpec& guard);

}  // namespace seismo::chaos
