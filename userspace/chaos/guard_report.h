#pragma once

// What fault ls says about a fault beyond its counters (docs/faults.md,
// Guards and Verification): its guard (budgets, live counts, the abort and
// its reason) and how what it did compares with what was asked.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "chaos/fault_counters.h"
#include "chaos/fault_spec.h"

namespace seismo::chaos {

// "tcp_resets 51 > 50 after 3.2 s": an aborted guard's reason (fault ls,
// NetworkFault status). start_mono_ns is the fault's start (CLOCK_MONOTONIC).
std::string guard_abort_reason(const GuardSpec& spec, const GuardReadout& g, uint64_t start_mono_ns);

// fault ls's `guard`: {window, budgets: {name: {max, count}}, aborted: null
// or {budget, count, max, after_seconds, reason}}; null for an unguarded fault.
nlohmann::json guard_status_json(const GuardSpec& spec, const GuardReadout& g, uint64_t start_mono_ns);

// A binomial proportion's 99 % interval (Wilson score) for k of n.
struct RateInterval {
  double rate = 0, low = 0, high = 0;
};
RateInterval binomial_interval_99(uint64_t k, uint64_t n);

// A quantile of the kernel's log2 ns delay histogram (slot i holds
// [2^i, 2^(i+1)) ns): the slot's bounds and an estimate interpolated within it.
struct HistQuantile {
  double low_seconds = 0, high_seconds = 0, estimate_seconds = 0;
};
HistQuantile log2_hist_quantile(const FaultCounters& c, double q);

// fault ls's `verification`: observed against requested for the kinds
// with a figure to compare (loss and partition: the drop rate with its 99 %
// interval; delay: p50/p99 of the added delay); null for the others.
nlohmann::json verification_json(const FaultSpec& spec, const FaultCounters& c);

}  // namespace seismo::chaos
