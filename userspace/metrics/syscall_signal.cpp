#include "metrics/syscall_signal.h"

namespace seismo::metrics {

namespace {

prometheus::ClientMetric histogram_metric(Labels labels, const syscall_stats& s) {
  return metrics::histogram_metric(std::move(labels), Log2Histogram::syscall_layout(), s.timed, s.dur_sum_ns,
                                   s.hist, SEISMO_HIST_SLOTS);
}

void accumulate(syscall_stats& into, const syscall_stats& s) {
  into.calls += s.calls;
  into.errors += s.errors;
  into.timed += s.timed;
  into.dur_sum_ns += s.dur_sum_ns;
  for (int i = 0; i < SEISMO_HIST_SLOTS; ++i) into.hist[i] += s.hist[i];
}

}  // namespace

void SyscallSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  auto calls = make_family("seismo_syscalls_total", "System calls completed, per cgroup and syscall.",
                           prometheus::MetricType::Counter);
  auto errors = make_family("seismo_syscall_errors_total",
                            "System calls that returned an error (-4095..-1), per cgroup and syscall.",
                            prometheus::MetricType::Counter);
  auto duration = make_family("seismo_syscall_duration_seconds",
                              "Time from sys_enter to sys_exit, per cgroup and syscall.",
                              prometheus::MetricType::Histogram);
  syscall_stats overflow{};
  bool any_overflow = false;
  std::vector<uint64_t> dead;
  const uint32_t cost = pair_cost();

  source_.for_each([&](const probes::SyscallSample& row) {
    auto labels = ctx.labeler.labels(row.cgroup_id);
    if (!labels) {
      dead.push_back(row.cgroup_id);
      return;
    }
    if (!ctx.budget.admit(row.cgroup_id, budget_key(kBudgetTag, row.nr), cost)) {
      accumulate(overflow, row.stats);
      any_overflow = true;
      return;
    }
    labels->push_back({"syscall", names_.name(row.nr)});
    calls.metric.push_back(counter_metric(*labels, static_cast<double>(row.stats.calls)));
    errors.metric.push_back(counter_metric(*labels, static_cast<double>(row.stats.errors)));
    if (with_latency_) duration.metric.push_back(histogram_metric(std::move(*labels), row.stats));
  });

  if (any_overflow) {
    Labels labels = ctx.labeler.overflow_labels();
    labels.push_back({"syscall", kOverflowValue});
    calls.metric.push_back(counter_metric(labels, static_cast<double>(overflow.calls)));
    errors.metric.push_back(counter_metric(labels, static_cast<double>(overflow.errors)));
    if (with_latency_) duration.metric.push_back(histogram_metric(std::move(labels), overflow));
  }
  // The kernel deletes a removed cgroup's rows itself; its budget goes here.
  for (uint64_t id : dead) ctx.budget.release_owner(id);
  ctx.unknown_cgroup_rows += dead.size();

  out.push_back(std::move(calls));
  out.push_back(std::move(errors));
  if (with_latency_) out.push_back(std::move(duration));
}

void SyscallSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](const probes::SyscallSample& row) {
    CgroupSummary* sum = summary_for(ctx, out, row.cgroup_id);
    if (!sum) return;
    sum->columns["syscalls"] += static_cast<double>(row.stats.calls);
    sum->columns["errors"] += static_cast<double>(row.stats.errors);
    if (row.stats.timed) sum->columns["syscall_seconds"] += static_cast<double>(row.stats.dur_sum_ns) / 1e9;
  });
}

}  // namespace seismo::metrics
