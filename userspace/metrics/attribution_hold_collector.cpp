#include "metrics/attribution_hold_collector.h"

#include "metrics/signal.h"

namespace seismo::metrics {

std::vector<prometheus::MetricFamily> AttributionHoldCollector::Collect() const {
  using prometheus::MetricType;
  const auto c = source_();
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  auto held = make_family("seismo_trace_events_held_total",
                          "Trace events that waited for their pod to be known, by how the wait ended",
                          MetricType::Counter);
  held.metric.push_back(counter_metric({{"outcome", "attributed"}}, d(c.attributed)));
  held.metric.push_back(counter_metric({{"outcome", "expired"}}, d(c.expired)));
  auto overflow = make_family("seismo_trace_hold_overflow_total",
                              "Trace events sent at once without their pod because the hold was full",
                              MetricType::Counter);
  overflow.metric.push_back(counter_metric({}, d(c.overflow)));
  auto holding = make_family("seismo_trace_events_holding", "Trace events waiting for their pod now",
                             MetricType::Gauge);
  holding.metric.push_back(gauge_metric({}, d(c.holding)));
  return {std::move(held), std::move(overflow), std::move(holding)};
}

}  // namespace seismo::metrics
