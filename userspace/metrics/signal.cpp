#include "metrics/signal.h"

namespace seismo::metrics {

prometheus::MetricFamily make_family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

prometheus::ClientMetric counter_metric(Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  return m;
}

prometheus::ClientMetric gauge_metric(Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

CgroupSummary* summary_for(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out, uint64_t cgroup_id) {
  auto it = out.find(cgroup_id);
  if (it != out.end()) return &it->second;
  auto name = ctx.labeler.name(cgroup_id);
  if (!name) return nullptr;
  return &out.emplace(cgroup_id, CgroupSummary{std::move(*name), {}}).first->second;
}

}  // namespace seismo::metrics
