#include "metrics/series_budget.h"

namespace seismo::metrics {

bool SeriesBudget::admit(uint64_t owner, uint64_t key, uint32_t cost) {
  Owner& o = owners_[owner];
  if (o.admitted.count(key)) return true;
  if (used_ + cost <= limit_) {
    o.admitted.emplace(key, cost);
    o.refused.erase(key);
    used_ += cost;
    return true;
  }
  if (o.refused.insert(key).second) dropped_total_ += cost;
  return false;
}

void SeriesBudget::release_owner(uint64_t owner) {
  auto it = owners_.find(owner);
  if (it == owners_.end()) return;
  for (const auto& [key, cost] : it->second.admitted) used_ -= cost;
  owners_.erase(it);
}

}  // namespace seismo::metrics
