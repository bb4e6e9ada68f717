#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "cluster/cluster_controller.h"

namespace seismo::cluster {

// Cluster mode as metrics: seismo_cluster_faults{phase} (NetworkFaults by
// this node's phase), seismo_cluster_api_requests_total and
// seismo_cluster_api_errors_total (lists, watches and status writes).
class ClusterCollector : public prometheus::Collectable {
 public:
  using Source = std::function<ClusterCounters()>;
  explicit ClusterCollector(Source source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

}  // namespace seismo::cluster
