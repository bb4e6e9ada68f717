#pragma once

#include "metrics/signal.h"
#include "probes/exec.h"

namespace seismo::metrics {

// seismo_process_execs_total per cgroup.
class ExecSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 2;
  explicit ExecSignal(probes::ExecCountSource& source) : source_(source) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

 private:
  probes::ExecCountSource& source_;
};

}  // namespace seismo::metrics
