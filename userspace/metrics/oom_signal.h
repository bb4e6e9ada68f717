#pragma once

#include "metrics/signal.h"
#include "probes/oom.h"

namespace seismo::metrics {

// seismo_oom_kills_total per victim cgroup.
class OomSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 6;
  explicit OomSignal(probes::OomCountSource& source) : source_(source) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

 private:
  probes::OomCountSource& source_;
};

}  // namespace seismo::metrics
