#pragma once

#include <functional>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "chaos/fault_engine.h"

namespace seismo::chaos {

// Exports each active fault's blast radius at scrape time:
//   seismo_fault_packets_total{fault,verdict="passed|dropped|delayed", and duplicated|corrupted|reordered on faults of those kinds}
//   seismo_fault_added_delay_seconds{fault}  (histogram, delay faults)
//   seismo_faults_active
//   seismo_fault_aborts_total{fault,budget}, seismo_fault_guard_count{fault,budget}  (guarded faults' budgets only)
//   seismo_fault_kernel_losses_total{stage}
// Fault names are bounded by the engine's slot count (256), so no series
// budget is needed; a removed fault's series disappear with it.
class FaultCollector : public prometheus::Collectable {
 public:
  using SampleSource = std::function<std::vector<FaultSample>()>;
  using LossSource = std::function<std::vector<uint64_t>()>;

  FaultCollector(SampleSource samples, LossSource losses)
      : samples_(std::move(samples)), losses_(std::move(losses)) {}
  // Reads a live engine (which must outlive the collector).
  static std::shared_ptr<FaultCollector> for_engine(const FaultEngine& engine);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  SampleSource samples_;
  LossSource losses_;
};

}  // namespace seismo::chaos
