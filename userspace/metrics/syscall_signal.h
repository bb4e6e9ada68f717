#pragma once

#include "metrics/log2_histogram.h"
#include "metrics/signal.h"
#include "metrics/syscall_names.h"
#include "probes/syscalls.h"

namespace seismo::metrics {

// seismo_syscalls_total, seismo_syscall_errors_total and
// seismo_syscall_duration_seconds per {cgroup, syscall}.
class SyscallSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 1;
  SyscallSignal(probes::SyscallStatsSource& source, bool with_latency)
      : source_(source), with_latency_(with_latency) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

  // Series one (cgroup, syscall) pair costs in the budget.
  [[nodiscard]] uint32_t pair_cost() const {
    return 2 + (with_latency_ ? static_cast<uint32_t>(Log2Histogram::syscall_layout().bucket_count()) + 2 : 0);
  }

 private:
  probes::SyscallStatsSource& source_;
  bool with_latency_;
  SyscallNames names_;
};

}  // namespace seismo::metrics
