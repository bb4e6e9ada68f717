#pragma once

#include "metrics/log2_histogram.h"
#include "metrics/signal.h"
#include "probes/sched.h"

namespace seismo::metrics {

// seismo_sched_runqueue_latency_seconds per cgroup of the waiting task.
class SchedSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 5;
  explicit SchedSignal(probes::RunqStatsSource& source) : source_(source) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

  // Buckets 1.02 µs … 1.07 s, every second log2 edge (like syscall latency).
  static const Log2Histogram& layout();
  static uint32_t cost() { return static_cast<uint32_t>(layout().bucket_count()) + 2; }

 private:
  probes::RunqStatsSource& source_;
};

}  // namespace seismo::metrics
