#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "chaos/guard.h"
#include "seismo/common.h"

namespace seismo::chaos {

// One fault's kernel counters, summed over CPUs.
struct FaultCounters {
  uint64_t passed = 0;
  uint64_t dropped = 0;
  uint64_t delayed = 0;
  uint64_t delay_ns = 0;  // total delay added
  uint64_t duplicated = 0;  // copies sent
  uint64_t corrupted = 0;
  uint64_t reordered = 0;   // sent at once, ahead of delayed ones
  std::array<uint64_t, SEISMO_HIST_SLOTS> delay_hist{};  // log2 ns slots
  GuardReadout guard;  // present only for a guarded fault
};

// Where counters come from; the BPF maps in the daemon, a fake in tests.
class FaultCounterSource {
 public:
  virtual ~FaultCounterSource() = default;
  [[nodiscard]] virtual FaultCounters counters(uint32_t slot) const = 0;
  // Kernel-side losses of the chaos object (flow table full, …), per stage.
  [[nodiscard]] virtual std::vector<uint64_t> losses() const = 0;
};

}  // namespace seismo::chaos
