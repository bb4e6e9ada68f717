#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seismo/chaos.h"

namespace seismo::chaos {

// Guards (docs/faults.md, Guards): budgets over what a fault does and how
// its targets' TCP reacts; the kernel aborts the fault once a count passes
// its budget. The order is the kernel's (SEISMO_GUARD_*).
enum class GuardBudget : uint32_t {
  dropped = SEISMO_GUARD_DROPPED,
  delayed = SEISMO_GUARD_DELAYED,
  tcp_retransmits = SEISMO_GUARD_TCP_RETRANSMITS,
  tcp_resets = SEISMO_GUARD_TCP_RESETS,
  tcp_resets_sent = SEISMO_GUARD_TCP_RESETS_SENT,
  tcp_resets_received = SEISMO_GUARD_TCP_RESETS_RECEIVED,
  tcp_connect_failures = SEISMO_GUARD_TCP_CONNECT_FAILURES,
};
inline constexpr size_t kGuardBudgets = SEISMO_GUARD_KINDS;
inline constexpr GuardBudget kAllGuardBudgets[] = {
    GuardBudget::dropped,         GuardBudget::delayed,
    GuardBudget::tcp_retransmits, GuardBudget::tcp_resets,
    GuardBudget::tcp_resets_sent, GuardBudget::tcp_resets_received,
    GuardBudget::tcp_connect_failures};
static_assert(std::size(kAllGuardBudgets) == kGuardBudgets);

// The spec key ("tcpRetransmits") and the name fault ls and the metrics'
// `budget` label use ("tcp_retransmits").
const char* guard_budget_key(GuardBudget b);
const char* guard_budget_name(GuardBudget b);
// By spec key; nullopt for an unknown one.
std::optional<GuardBudget> guard_budget_from_key(const std::string& key);

struct GuardLimit {
  GuardBudget budget = GuardBudget::dropped;
  uint64_t max = 0;  // abort when the count passes it (count > max)
  bool operator==(const GuardLimit&) const = default;
};

struct GuardSpec {
  std::vector<GuardLimit> limits;  // at most one per budget; empty: no guard
  uint64_t window_ns = 0;          // 0: over the fault's lifetime
  [[nodiscard]] bool empty() const { return limits.empty(); }
  bool operator==(const GuardSpec&) const = default;
};

// A guarded fault's kernel state (fault_guard), read back.
struct GuardReadout {
  bool present = false;  // the fault has a guard
  std::array<uint64_t, kGuardBudgets> counts{};  // in the current window
  uint64_t aborted_ns = 0;  // CLOCK_MONOTONIC of the abort; 0 while live
  GuardBudget abort_budget = GuardBudget::dropped;
  uint64_t abort_count = 0;  // that budget's count when it passed
  [[nodiscard]] bool aborted() const { return aborted_ns != 0; }
  bool operator==(const GuardReadout&) const = default;
};

}  // namespace seismo::chaos
