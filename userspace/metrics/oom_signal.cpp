#include "metrics/oom_signal.h"

#include "metrics/budgeted_rows.h"

namespace seismo::metrics {

void OomSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  auto kills = make_family("seismo_oom_kills_total",
                           "Processes killed by the OOM killer, per cgroup of the victim (not of the task that hit "
                           "the limit).",
                           prometheus::MetricType::Counter);
  double overflow = 0;
  bool any_overflow = false;
  visit_budgeted(
      ctx, source_, budget_key(kBudgetTag, 0), 1,
      [&](Labels labels, const uint64_t& n) { kills.metric.push_back(counter_metric(std::move(labels), static_cast<double>(n))); },
      [&](const uint64_t& n) {
        any_overflow = true;
        overflow += static_cast<double>(n);
      });
  if (any_overflow) kills.metric.push_back(counter_metric(ctx.labeler.overflow_labels(), overflow));
  out.push_back(std::move(kills));
}

void OomSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](uint64_t cgroup_id, const uint64_t& n) {
    if (CgroupSummary* sum = summary_for(ctx, out, cgroup_id)) sum->columns["oom_kills"] += static_cast<double>(n);
  });
}

}  // namespace seismo::metrics
