#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::chaos {

// The guards' TCP counters (bpf/chaos.bpf.c guard_*: tcp_retransmit_skb,
// tcp_send_reset, tcp_receive_reset, inet_sock_set_state), attached through
// BPF links pinned at <pin_dir>/guard_<hook>. The pins, not seismod, keep
// them attached: a SIGKILLed daemon's guards still count and abort. They are
// attached while a guarded fault exists and removed when none is left; a
// restarted daemon adopts them (reconcile) or removes them.
struct GuardTracingStatus {
  bool attached = false;   // every hook's link is pinned and open
  std::string flavour;     // "tp_btf" or "raw_tp" (of a fresh attach)
  std::string fallback_reason;  // why tp_btf did not load, when raw_tp did
};

// Attaches the programs and pins their links unless every pin is there
// already (an earlier daemon's: adopted). Partial pins are replaced.
Result<GuardTracingStatus> ensure_guard_tracing(const std::string& pin_dir);
// Whether every hook's pin holds a BPF link now.
bool guard_tracing_pinned(const std::string& pin_dir);
// Removes the pins: the links (and the programs) go with their last holder.
Result<void> remove_guard_tracing(const std::string& pin_dir);
// The ids of the programs the pinned links run (not orphans: they hold no
// tc filter).
std::vector<uint32_t> guard_tracing_program_ids(const std::string& pin_dir);
// The pin paths, one per hook.
std::vector<std::string> guard_tracing_pins(const std::string& pin_dir);

}  // namespace seismo::chaos
