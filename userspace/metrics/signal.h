#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "metrics/cgroup_labeler.h"
#include "metrics/log2_histogram.h"
#include "metrics/series_budget.h"
#include "probes/loss_stage.h"

namespace seismo::metrics {

// Per-cgroup totals for `seismo top`: one named column per figure.
struct CgroupSummary {
  std::string name;
  std::map<std::string, double> columns;
};

// What a signal sees during one scrape (under the scraper's lock).
struct ScrapeContext {
  CgroupLabeler& labeler;
  SeriesBudget& budget;
  uint64_t unknown_cgroup_rows = 0;  // rows whose cgroup vanished this pass
};

// One family of per-cgroup kernel figures (syscalls, execs, …) exported at
// scrape time. Each signal reads its own BPF maps, asks the budget before
// emitting a cgroup's series, folds refused ones into the overflow series,
// and drops rows (and budget) of cgroups that no longer exist.
class Signal {
 public:
  virtual ~Signal() = default;
  virtual void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) = 0;
  virtual void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) = 0;
  virtual std::vector<probes::LossCount> losses() = 0;
};

// Builders shared by signals.
prometheus::MetricFamily make_family(std::string name, std::string help, prometheus::MetricType type);
prometheus::ClientMetric counter_metric(Labels labels, double value);
prometheus::ClientMetric gauge_metric(Labels labels, double value);
// A histogram from the kernel's log2 nanosecond slots, in seconds.
template <class Count>
prometheus::ClientMetric histogram_metric(Labels labels, const Log2Histogram& layout, uint64_t count, uint64_t sum_ns,
                                          const Count* slots, unsigned nslots) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.histogram.sample_count = count;
  m.histogram.sample_sum = static_cast<double>(sum_ns) / 1e9;
  for (const auto& b : layout.buckets(slots, nslots))
    m.histogram.bucket.push_back({b.cumulative_count, b.upper_bound_seconds});
  return m;
}

// The summary row for a cgroup, created on first use; nullptr when the
// cgroup no longer exists.
CgroupSummary* summary_for(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out, uint64_t cgroup_id);

// Stable budget keys: a signal tag in the top 16 bits, its own sub-key below.
constexpr uint64_t budget_key(uint16_t signal_tag, uint64_t sub_key) {
  return (uint64_t{signal_tag} << 48) | (sub_key & ((uint64_t{1} << 48) - 1));
}

}  // namespace seismo::metrics
