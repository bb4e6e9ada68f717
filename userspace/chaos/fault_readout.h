#pragma once

#include <string>
#include <vector>

#include "chaos/fault_counters.h"
#include "chaos/fault_spec.h"

namespace seismo::chaos {

// A running fault's spec and the owners (pod uids) it currently covers.
struct FaultMembers {
  std::string name;
  FaultSpec spec;
  std::vector<std::string> owners;
};

// One fault's figures for metrics.
struct FaultSample {
  std::string name;
  Action action = Action::loss;
  FaultCounters counters;
  bool broken = false;  // a filter of it was removed outside seismo (see list())
  uint64_t start_mono_ns = 0;  // when it started (CLOCK_MONOTONIC): an abort's "after"
  GuardSpec guard{};    // its budgets (seismo_fault_guard_count's series); empty: none
};

}  // namespace seismo::chaos
