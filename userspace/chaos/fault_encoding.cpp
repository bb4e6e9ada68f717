#include "chaos/fault_encoding.h"

#include <cmath>
#include <cstring>

#include "chaos/spec_kinds.h"

namespace seismo::chaos {

GilbertParams gilbert_params(double percent, double correlation_percent) {
  const double p = percent / 100.0;
  const double c = correlation_percent / 100.0;
  if (p >= 1.0) return {1.0, 0.0};
  return {p * (1.0 - c), (1.0 - c) * (1.0 - p)};
}

uint64_t to_kernel_probability(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1.0) return SEISMO_PROB_ONE;
  return static_cast<uint64_t>(std::llround(p * static_cast<double>(SEISMO_PROB_ONE)));
}

fault_cfg encode_fault_cfg(const FaultSpec& spec, uint64_t expires_ns, uint64_t generation) {
  fault_cfg cfg{};
  cfg.expires_ns = expires_ns;
  cfg.generation = generation;
  switch (spec.action) {
    case Action::loss: {
      cfg.action = SEISMO_FAULT_LOSS;
      auto g = gilbert_params(spec.loss.percent, spec.loss.correlation);
      cfg.loss_enter = to_kernel_probability(g.enter);
      cfg.loss_leave = to_kernel_probability(g.leave);
      break;
    }
    case Action::partition:  // every matching packet, silently: loss that never leaves its bad state
      cfg.action = SEISMO_FAULT_LOSS;
      cfg.loss_enter = SEISMO_PROB_ONE;
      cfg.loss_leave = 0;
      break;
    case Action::delay:
      cfg.action = SEISMO_FAULT_DELAY;
      cfg.latency_ns = spec.delay.latency_ns;
      cfg.jitter_ns = spec.delay.jitter_ns;
      cfg.jitter_corr = static_cast<uint32_t>(std::lround(spec.delay.correlation / 100.0 * SEISMO_CORR_ONE));
      if (spec.delay.jitter_reorders) cfg.flags |= SEISMO_FAULT_F_REORDER;
      encode_reorder(spec.delay.reorder, cfg);
      break;
    case Action::bandwidth: encode_bandwidth(spec.bandwidth, cfg); break;
    case Action::duplicate: encode_duplicate(spec.duplicate, cfg); break;
    case Action::corrupt: encode_corrupt(spec.corrupt, cfg); break;
  }
  if (!spec.guard.empty()) cfg.flags |= SEISMO_FAULT_F_GUARD;
  cfg.protocol = spec.filter.protocol;
  // The prefixes themselves go to the fault_peers trie (fault_peers.h).
  cfg.has_peers = spec.filter.cidrs.empty() ? 0 : 1;
  cfg.nports = static_cast<uint8_t>(spec.filter.ports.size());
  for (size_t i = 0; i < spec.filter.ports.size() && i < SEISMO_FAULT_PORTS; ++i)
    cfg.ports[i] = {spec.filter.ports[i].lo, spec.filter.ports[i].hi};
  return cfg;
}

fault_guard encode_fault_guard(const GuardSpec& guard, uint64_t generation, uint64_t start_ns) {
  fault_guard g{};
  g.generation = generation;
  g.window_ns = guard.window_ns;
  g.window_start_ns = start_ns;
  for (const auto& limit : guard.limits) {
    const auto kind = static_cast<uint32_t>(limit.budget);
    if (kind < SEISMO_GUARD_KINDS) g.budget[kind] = limit.max;
  }
  return g;
}

}  // namespace seismo::chaos
