#pragma once

#include <cstdint>

#include "chaos/fault_spec.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

static_assert(sizeof(fault_peer_key) == 24, "fault_peer_key layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_peer) == 8, "fault_peer layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_cfg) == 144, "fault_cfg layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_guard) == 240, "fault_guard layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_guard_owner_key) == 16, "fault_guard_owner_key layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_guard_owner) == 40, "fault_guard_owner layout shared with bpf/chaos.bpf.c");
static_assert(kMaxCidrs == SEISMO_FAULT_PEERS_PER_FAULT, "one limit for filter.cidrs and the peer trie");
static_assert(sizeof(fault_attach) == 40, "fault_attach layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_stats) == 64, "fault_stats layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_state) == 24, "fault_state layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_bucket) == 40, "fault_bucket layout shared with bpf/chaos.bpf.c");
static_assert(sizeof(fault_flow_key) == 8, "fault_flow_key layout shared with bpf/chaos.bpf.c");

// The two-state Gilbert chain behind a loss fault with percent p and
// correlation c (fractions): P(loss | previous lost) = p + c(1-p), so
//   leave = P(bad -> good) = (1-c)(1-p),  enter = P(good -> bad) = p(1-c).
// Stationary loss enter/(enter+leave) = p; mean burst length 1/leave.
// c = 0 is independent (Bernoulli) loss.
struct GilbertParams {
  double enter = 0;
  double leave = 1;
  [[nodiscard]] double loss_rate() const { return enter + leave > 0 ? enter / (enter + leave) : 1.0; }
  [[nodiscard]] double mean_burst() const { return leave > 0 ? 1.0 / leave : 0.0; }
};
GilbertParams gilbert_params(double percent, double correlation_percent);

// A probability as the kernel compares it: P * 2^32, 2^32 meaning always.
uint64_t to_kernel_probability(double p);

// The kernel's view of a fault (flags has SEISMO_FAULT_F_GUARD when the
// spec has a guard).
fault_cfg encode_fault_cfg(const FaultSpec& spec, uint64_t expires_ns, uint64_t generation);

// A guard's fault_guard entry as userspace writes it before the cfg goes
// live: budgets, window (starting at start_ns, monotonic), generation;
// counts and abort zero.
fault_guard encode_fault_guard(const GuardSpec& guard, uint64_t generation, uint64_t start_ns);

}  // namespace seismo::chaos
