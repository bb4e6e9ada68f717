#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "probes/loss_stage.h"

namespace seismo::probes {

// Per-cgroup kernel figures as the metrics side reads them: one row per
// cgroup id, cumulative, summed over CPUs. Probes implement it over their
// BPF maps; unit tests fake it.
template <class Row>
class CgroupStatsSource {
 public:
  virtual ~CgroupStatsSource() = default;
  virtual void for_each(const std::function<void(uint64_t cgroup_id, const Row& row)>& visit) = 0;
  // Drops rows of cgroups that no longer exist (they can get no new counts).
  virtual void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) = 0;
  virtual std::vector<LossCount> losses() = 0;
};

}  // namespace seismo::probes
