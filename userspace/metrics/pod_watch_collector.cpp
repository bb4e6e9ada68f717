#include "metrics/pod_watch_collector.h"

#include "metrics/signal.h"

namespace seismo::metrics {

std::shared_ptr<PodWatchCollector> PodWatchCollector::for_watcher(const pods::PodWatcher& watcher,
                                                                    const pods::PodStore& store) {
  return std::make_shared<PodWatchCollector>([&watcher, &store] {
    return Figures{watcher.counters(), store.size(), watcher.synced()};
  });
}

std::vector<prometheus::MetricFamily> PodWatchCollector::Collect() const {
  using prometheus::MetricType;
  const Figures f = source_();
  const auto& c = f.counters;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  auto known = make_family("seismo_pods_known", "Pods of this node known from the Kubernetes API",
                                    MetricType::Gauge);
  known.metric.push_back(gauge_metric({}, d(f.known)));
  auto synced = make_family("seismo_pods_synced", "1 once a pod list from the API server succeeded",
                                     MetricType::Gauge);
  synced.metric.push_back(gauge_metric({}, f.synced ? 1.0 : 0.0));
  auto requests = make_family("seismo_pods_api_requests_total",
                                       "Requests sent to the Kubernetes API server, by kind", MetricType::Counter);
  requests.metric.push_back(counter_metric({{"kind", "list"}}, d(c.lists)));
  requests.metric.push_back(counter_metric({{"kind", "watch"}}, d(c.watches)));
  auto relists = make_family("seismo_pods_relists_total",
                                      "Lists after the first (410 Gone, ERROR events, failed lists)",
                                      MetricType::Counter);
  relists.metric.push_back(counter_metric({}, d(c.relists)));
  auto events = make_family("seismo_pods_watch_events_total", "Watch events applied (bookmarks included)",
                                     MetricType::Counter);
  events.metric.push_back(counter_metric({}, d(c.events)));
  auto errors = make_family("seismo_pods_watch_errors_total",
                                     "Failed requests, watches cut as stalled, and objects skipped as malformed "
                                     "or oversized",
                                     MetricType::Counter);
  errors.metric.push_back(counter_metric({{"reason", "request"}}, d(c.errors)));
  errors.metric.push_back(counter_metric({{"reason", "stalled"}}, d(c.stalled)));
  errors.metric.push_back(counter_metric({{"reason", "malformed"}}, d(c.malformed)));
  errors.metric.push_back(counter_metric({{"reason", "oversized"}}, d(c.oversized)));
  return {std::move(known), std::move(synced), std::move(requests), std::move(relists), std::move(events),
          std::move(errors)};
}

}  // namespace seismo::metrics
