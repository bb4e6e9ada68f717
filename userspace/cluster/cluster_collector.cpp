#include "cluster/cluster_collector.h"

#include "metrics/signal.h"

namespace seismo::cluster {

std::vector<prometheus::MetricFamily> ClusterCollector::Collect() const {
  using prometheus::MetricType;
  const auto c = source_();
  auto faults = metrics::make_family("seismo_cluster_faults", "NetworkFault objects by this node's phase",
                                     MetricType::Gauge);
  // Every phase, also at zero, so a query by phase never sees a gap.
  for (auto phase : {NodePhase::injected, NodePhase::aborted, NodePhase::no_targets, NodePhase::paused, NodePhase::expired,
                     NodePhase::recovered, NodePhase::failed, NodePhase::pending}) {
    auto it = c.phases.find(phase_name(phase));
    double v = it == c.phases.end() ? 0 : static_cast<double>(it->second);
    faults.metric.push_back(metrics::gauge_metric({{"phase", phase_name(phase)}}, v));
  }
  auto requests = metrics::make_family("seismo_cluster_api_requests_total",
                                       "Kubernetes API requests of cluster mode (list pages, watches, status writes)",
                                       MetricType::Counter);
  requests.metric.push_back(metrics::counter_metric({}, static_cast<double>(c.requests)));
  auto errors = metrics::make_family("seismo_cluster_api_errors_total",
                                     "Failed Kubernetes API requests and engine changes of cluster mode",
                                     MetricType::Counter);
  errors.metric.push_back(metrics::counter_metric({}, static_cast<double>(c.errors)));
  return {std::move(faults), std::move(requests), std::move(errors)};
}

}  // namespace seismo::cluster
