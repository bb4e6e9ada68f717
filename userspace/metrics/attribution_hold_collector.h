#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "events/attribution_hold.h"

namespace seismo::metrics {

// The trace events' pod hold as metrics, so attribution lost to a slow
// watch or a full hold is visible: seismo_trace_events_held_total{outcome}
// (attributed: the pod arrived in time; expired: sent without it),
// seismo_trace_hold_overflow_total and seismo_trace_events_holding.
class AttributionHoldCollector : public prometheus::Collectable {
 public:
  using Source = std::function<events::AttributionHoldCounters()>;

  explicit AttributionHoldCollector(Source source) : source_(std::move(source)) {}
  static std::shared_ptr<AttributionHoldCollector> create(Source source) {
    return std::make_shared<AttributionHoldCollector>(std::move(source));
  }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

}  // namespace seismo::metrics
