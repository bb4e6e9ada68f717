#pragma once

// Fakes shared by the signals' unit tests: a per-cgroup source and a labeler.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

#include "metrics/cgroup_labeler.h"
#include "probes/cgroup_stats_source.h"

namespace seismo::testing {

template <class Row>
class FakeCgroupSource : public probes::CgroupStatsSource<Row> {
 public:
  std::vector<std::pair<uint64_t, Row>> rows;
  std::vector<uint64_t> forgotten;
  std::vector<probes::LossCount> loss_counts;

  void for_each(const std::function<void(uint64_t, const Row&)>& visit) override {
    for (const auto& [id, row] : rows) visit(id, row);
  }
  void forget_cgroups(const std::vector<uint64_t>& ids) override {
    forgotten.insert(forgotten.end(), ids.begin(), ids.end());
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const auto& r) { return std::count(ids.begin(), ids.end(), r.first) > 0; }),
               rows.end());
  }
  std::vector<probes::LossCount> losses() override { return loss_counts; }
};

class FakeLabeler : public metrics::CgroupLabeler {
 public:
  std::map<uint64_t, std::string> live;
  void begin_pass() override {}
  std::optional<metrics::Labels> labels(uint64_t id) override {
    auto it = live.find(id);
    if (it == live.end()) return std::nullopt;
    return metrics::Labels{{"cgroup", it->second}};
  }
  [[nodiscard]] metrics::Labels overflow_labels() const override { return {{"cgroup", metrics::kOverflowValue}}; }
  std::optional<std::string> name(uint64_t id) override {
    auto it = live.find(id);
    return it == live.end() ? std::nullopt : std::optional(it->second);
  }
};

inline const prometheus::MetricFamily* find_family(const std::vector<prometheus::MetricFamily>& fams,
                                                   const std::string& name) {
  for (const auto& f : fams)
    if (f.name == name) return &f;
  return nullptr;
}

inline std::string label_of(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label)
    if (l.name == name) return l.value;
  return "";
}

// The metric of a family whose labels include all of `match`; nullptr if none.
inline const prometheus::ClientMetric* find_metric(const prometheus::MetricFamily* f,
                                                   const std::map<std::string, std::string>& match) {
  if (!f) return nullptr;
  for (const auto& m : f->metric) {
    bool ok = true;
    for (const auto& [k, v] : match) ok &= label_of(m, k) == v;
    if (ok) return &m;
  }
  return nullptr;
}

}  // namespace seismo::testing
