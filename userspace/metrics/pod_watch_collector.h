#pragma once

#include <functional>
#include <memory>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "pods/pod_watcher.h"

namespace seismo::metrics {

// The pod watch as metrics, so its cost to the API server and what it had
// to skip are visible: seismo_pods_known, seismo_pods_synced,
// seismo_pods_api_requests_total{kind}, seismo_pods_watch_events_total,
// seismo_pods_relists_total, seismo_pods_watch_errors_total{reason}.
class PodWatchCollector : public prometheus::Collectable {
 public:
  struct Figures {
    pods::PodWatcherCounters counters;
    size_t known = 0;
    bool synced = false;
  };
  using Source = std::function<Figures()>;

  explicit PodWatchCollector(Source source) : source_(std::move(source)) {}
  // Reads a live watcher and store (both must outlive the collector).
  static std::shared_ptr<PodWatchCollector> for_watcher(const pods::PodWatcher& watcher, const pods::PodStore& store);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

}  // namespace seismo::metrics
