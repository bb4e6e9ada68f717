#include "chaos/fault_collector.h"

#include <algorithm>

#include "metrics/log2_histogram.h"
#include "metrics/signal.h"

namespace seismo::chaos {

namespace {

// Delay buckets: every power of two from 1.02 µs to 1.07 s, then +Inf.
const metrics::Log2Histogram& delay_layout() {
  static const metrics::Log2Histogram layout(10, 30, 1);
  return layout;
}

const char* const kLossStages[] = {"flow_table_full", "duplicate_failed", "corrupt_skipped"};

// A guarded fault's series, one per budget it has (an unguarded fault has
// none: the series stay bounded by the budgets users set).
void add_guard_series(const FaultSample& s, prometheus::MetricFamily& aborts, prometheus::MetricFamily& counts) {
  const GuardReadout& g = s.counters.guard;
  for (const auto& l : s.guard.limits) {
    const char* budget = guard_budget_name(l.budget);
    const bool this_one = g.aborted() && g.abort_budget == l.budget;
    aborts.metric.push_back(metrics::counter_metric({{"fault", s.name}, {"budget", budget}}, this_one ? 1.0 : 0.0));
    counts.metric.push_back(metrics::gauge_metric(
        {{"fault", s.name}, {"budget", budget}}, static_cast<double>(g.counts[static_cast<size_t>(l.budget)])));
  }
}

}  // namespace

std::shared_ptr<FaultCollector> FaultCollector::for_engine(const FaultEngine& engine) {
  return std::make_shared<FaultCollector>([&engine] { return engine.samples(); },
                                          [&engine] { return engine.kernel_losses(); });
}

std::vector<prometheus::MetricFamily> FaultCollector::Collect() const {
  using prometheus::MetricType;
  auto samples = samples_();
  auto packets = metrics::make_family("seismo_fault_packets_total",
                                      "Packets a fault's filters matched, by what the fault did to them",
                                      MetricType::Counter);
  auto delay = metrics::make_family("seismo_fault_added_delay_seconds",
                                    "Delay added to each delayed packet (per-flow ordering included)",
                                    MetricType::Histogram);
  auto active = metrics::make_family("seismo_faults_active", "Faults currently applied", MetricType::Gauge);
  auto broken = metrics::make_family("seismo_faults_broken",
                                     "Faults with a filter removed outside seismo (they no longer apply there)",
                                     MetricType::Gauge);
  auto aborts = metrics::make_family("seismo_fault_aborts_total",
                                     "Guard aborts of a fault, by the budget passed (0 or 1; guarded faults only)",
                                     MetricType::Counter);
  auto guard_counts = metrics::make_family("seismo_fault_guard_count",
                                           "A guarded fault's count against each of its budgets (in the current "
                                           "window when the guard has one)",
                                           MetricType::Gauge);
  auto losses = metrics::make_family("seismo_fault_kernel_losses_total",
                                     "Kernel-side bookkeeping the fault programs could not do", MetricType::Counter);
  for (const auto& s : samples) {
    const auto& c = s.counters;
    packets.metric.push_back(metrics::counter_metric({{"fault", s.name}, {"verdict", "passed"}}, static_cast<double>(c.passed)));
    packets.metric.push_back(metrics::counter_metric({{"fault", s.name}, {"verdict", "dropped"}}, static_cast<double>(c.dropped)));
    packets.metric.push_back(metrics::counter_metric({{"fault", s.name}, {"verdict", "delayed"}}, static_cast<double>(c.delayed)));
    // A kind's own verdict, only on faults of that kind (bounded series).
    auto own = [&](const char* verdict, uint64_t v) {
      packets.metric.push_back(metrics::counter_metric({{"fault", s.name}, {"verdict", verdict}}, static_cast<double>(v)));
    };
    if (s.action == Action::duplicate) own("duplicated", c.duplicated);
    if (s.action == Action::corrupt) own("corrupted", c.corrupted);
    if (s.action == Action::delay) own("reordered", c.reordered);
    add_guard_series(s, aborts, guard_counts);
    if (s.action != Action::delay && s.action != Action::bandwidth) continue;
    prometheus::ClientMetric m;
    m.label = {{"fault", s.name}};
    uint64_t count = 0;
    for (uint64_t v : c.delay_hist) count += v;
    m.histogram.sample_count = count;
    m.histogram.sample_sum = static_cast<double>(c.delay_ns) / 1e9;
    for (const auto& b : delay_layout().buckets(c.delay_hist.data(), SEISMO_HIST_SLOTS))
      m.histogram.bucket.push_back({b.cumulative_count, b.upper_bound_seconds});
    delay.metric.push_back(std::move(m));
  }
  active.metric.push_back(metrics::gauge_metric({}, static_cast<double>(samples.size())));
  broken.metric.push_back(metrics::gauge_metric(
      {}, static_cast<double>(std::count_if(samples.begin(), samples.end(), [](const auto& s) { return s.broken; }))));
  auto kernel = losses_();
  for (size_t i = 0; i < std::size(kLossStages); ++i)
    losses.metric.push_back(metrics::counter_metric({{"stage", kLossStages[i]}},
                                                    i < kernel.size() ? static_cast<double>(kernel[i]) : 0.0));
  return {std::move(packets), std::move(delay),        std::move(active), std::move(losses),
          std::move(broken),  std::move(aborts),       std::move(guard_counts)};
}

}  // namespace seismo::chaos
