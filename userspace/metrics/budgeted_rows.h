#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "metrics/signal.h"
#include "probes/cgroup_stats_source.h"

namespace seismo::metrics {

// The walk every per-cgroup signal makes during a scrape: for each row,
// labels for a live cgroup and `emit(labels, row)` when the budget admits
// the cgroup's series group (`budget_key`, `cost` series); `fold(row)` into
// the overflow series when it does not; rows of dead cgroups are forgotten
// (kernel rows deleted, budget released, counted as unknown_cgroup).
template <class Row, class Emit, class Fold>
void visit_budgeted(ScrapeContext& ctx, probes::CgroupStatsSource<Row>& source, uint64_t budget_key, uint32_t cost,
                    Emit&& emit, Fold&& fold) {
  std::vector<uint64_t> dead;
  source.for_each([&](uint64_t cgroup_id, const Row& row) {
    auto labels = ctx.labeler.labels(cgroup_id);
    if (!labels) {
      dead.push_back(cgroup_id);
      return;
    }
    if (!ctx.budget.admit(cgroup_id, budget_key, cost)) {
      fold(row);
      return;
    }
    emit(std::move(*labels), row);
  });
  for (uint64_t id : dead) ctx.budget.release_owner(id);
  ctx.unknown_cgroup_rows += dead.size();
  if (!dead.empty()) source.forget_cgroups(dead);
}

// Labels plus one more pair, for series that split a cgroup's figure.
inline Labels with_label(Labels labels, const char* name, const char* value) {
  labels.push_back({name, value});
  return labels;
}

}  // namespace seismo::metrics
