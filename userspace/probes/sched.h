#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"
#include "probes/cgroup_stats_source.h"
#include "probes/hook_flavour.h"
#include "probes/probe_status.h"
#include "seismo/sched.h"

struct sched_bpf;

namespace seismo::probes {

using RunqStatsSource = CgroupStatsSource<runq_stats>;

struct SchedProbeConfig {
  uint32_t max_entries = 10240;      // cgroups; kernel memory = rows × 272 B × CPUs
  uint32_t runnable_entries = 32768; // raw_tp: threads waiting on a run queue at once
  std::optional<HookFlavour> only_flavour;
  // tp_btf: read the waits the scheduler measures (sched_info) where the
  // kernel keeps them; false forces the wakeup-stamp programs (tests, bench).
  bool use_sched_info = true;
};

// bpf/sched.bpf.c: run-queue latency (wakeup or preemption → on CPU) per
// cgroup of the waiting task, as a log2 histogram aggregated in the kernel.
// Hooks sched_switch only where the kernel keeps sched_info (its own wait
// bookkeeping), else sched_wakeup, sched_wakeup_new and sched_switch: it
// costs on every context switch (bench/sched_overhead measures how much).
class SchedProbe : public RunqStatsSource {
 public:
  static Result<std::unique_ptr<SchedProbe>> create(const SchedProbeConfig& config);

  void for_each(const std::function<void(uint64_t, const runq_stats&)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }
  // True when the one sched_switch program reads sched_info.
  [[nodiscard]] bool uses_sched_info() const { return sched_info_; }

 private:
  SchedProbe() = default;

  struct SkelDeleter {
    void operator()(sched_bpf* s) const noexcept;
  };
  std::unique_ptr<sched_bpf, SkelDeleter> skel_;
  std::vector<bpf::LinkPtr> links_;  // after skel_: destroyed first
  ProbeStatus status_;
  bool sched_info_ = false;
};

}  // namespace seismo::probes
