// The pod watch's counters as Prometheus families.
#include <gtest/gtest.h>

#include "metrics/pod_watch_collector.h"

using namespace seismo::pods;
using namespace seismo::metrics;

namespace {
double value_of(const std::vector<prometheus::MetricFamily>& families, const std::string& name,
                const std::string& label_value = "") {
  for (const auto& f : families) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      if (!label_value.empty() && (m.label.empty() || m.label[0].value != label_value)) continue;
      return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}
}  // namespace

TEST(PodWatchCollector, ExportsCountersKnownPodsAndSync) {
  PodWatcherCounters c;
  c.lists = 2;
  c.relists = 1;
  c.watches = 5;
  c.events = 40;
  c.errors = 3;
  c.malformed = 2;
  c.oversized = 1;
  PodWatchCollector collector([&] { return PodWatchCollector::Figures{c, 7, true}; });
  auto families = collector.Collect();
  EXPECT_EQ(value_of(families, "seismo_pods_known"), 7);
  EXPECT_EQ(value_of(families, "seismo_pods_synced"), 1);
  EXPECT_EQ(value_of(families, "seismo_pods_api_requests_total", "list"), 2);
  EXPECT_EQ(value_of(families, "seismo_pods_api_requests_total", "watch"), 5);
  EXPECT_EQ(value_of(families, "seismo_pods_relists_total"), 1);
  EXPECT_EQ(value_of(families, "seismo_pods_watch_events_total"), 40);
  EXPECT_EQ(value_of(families, "seismo_pods_watch_errors_total", "malformed"), 2);
  EXPECT_EQ(value_of(families, "seismo_pods_watch_errors_total", "oversized"), 1);
  EXPECT_EQ(value_of(families, "seismo_pods_watch_errors_total", "request"), 3);
}
