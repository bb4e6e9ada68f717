#include "metrics/sched_signal.h"

#include "metrics/budgeted_rows.h"

namespace seismo::metrics {

const Log2Histogram& SchedSignal::layout() {
  static const Log2Histogram layout(10, 30, 2);
  return layout;
}

void SchedSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  auto latency = make_family("seismo_sched_runqueue_latency_seconds",
                             "Time tasks of the cgroup waited on a CPU run queue, from wakeup (or preemption) until "
                             "they ran.",
                             prometheus::MetricType::Histogram);
  runq_stats overflow{};
  bool any_overflow = false;
  visit_budgeted(
      ctx, source_, budget_key(kBudgetTag, 0), cost(),
      [&](Labels labels, const runq_stats& s) {
        latency.metric.push_back(histogram_metric(std::move(labels), layout(), s.count, s.sum_ns, s.hist, SEISMO_HIST_SLOTS));
      },
      [&](const runq_stats& s) {
        any_overflow = true;
        overflow.count += s.count;
        overflow.sum_ns += s.sum_ns;
        for (int i = 0; i < SEISMO_HIST_SLOTS; ++i) overflow.hist[i] += s.hist[i];
      });
  if (any_overflow)
    latency.metric.push_back(histogram_metric(ctx.labeler.overflow_labels(), layout(), overflow.count, overflow.sum_ns,
                                              overflow.hist, SEISMO_HIST_SLOTS));
  out.push_back(std::move(latency));
}

void SchedSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](uint64_t cgroup_id, const runq_stats& s) {
    CgroupSummary* sum = summary_for(ctx, out, cgroup_id);
    if (!sum) return;
    sum->columns["runq_waits"] += static_cast<double>(s.count);
    sum->columns["runq_seconds"] += static_cast<double>(s.sum_ns) / 1e9;
  });
}

}  // namespace seismo::metrics
