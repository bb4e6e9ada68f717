#include "metrics/exec_signal.h"

namespace seismo::metrics {

void ExecSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  auto execs = make_family("seismo_process_execs_total", "Successful execve/execveat calls, per cgroup.",
                           prometheus::MetricType::Counter);
  double overflow = 0;
  bool any_overflow = false;
  std::vector<uint64_t> dead;
  source_.for_each([&](uint64_t cgroup_id, uint64_t count) {
    auto labels = ctx.labeler.labels(cgroup_id);
    if (!labels) {
      dead.push_back(cgroup_id);
      return;
    }
    if (!ctx.budget.admit(cgroup_id, budget_key(kBudgetTag, 0), 1)) {
      overflow += static_cast<double>(count);
      any_overflow = true;
      return;
    }
    execs.metric.push_back(counter_metric(std::move(*labels), static_cast<double>(count)));
  });
  if (any_overflow) execs.metric.push_back(counter_metric(ctx.labeler.overflow_labels(), overflow));
  for (uint64_t id : dead) ctx.budget.release_owner(id);
  ctx.unknown_cgroup_rows += dead.size();
  source_.forget_cgroups(dead);
  out.push_back(std::move(execs));
}

void ExecSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](uint64_t cgroup_id, uint64_t count) {
    if (CgroupSummary* sum = summary_for(ctx, out, cgroup_id)) sum->columns["execs"] += static_cast<double>(count);
  });
}

}  // namespace seismo::metrics
