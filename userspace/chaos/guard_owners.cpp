#include "chaos/guard_owners.h"

#include <algorithm>
#include <tuple>

namespace seismo::chaos {

std::vector<fault_guard_owner_key> guard_owners_of(const FaultPlan& plan, const std::vector<EndpointFacts>& endpoints) {
  std::vector<fault_guard_owner_key> out;
  if (plan.cgroup) {
    out.push_back({SEISMO_GUARD_OWNER_CGROUP, 0, plan.cgroup->id});
    return out;
  }
  for (const auto& d : plan.devices)
    if (d.endpoint < endpoints.size() && endpoints[d.endpoint].netns_inode)
      out.push_back({SEISMO_GUARD_OWNER_NETNS, 0, endpoints[d.endpoint].netns_inode});
  auto key = [](const fault_guard_owner_key& k) { return std::tie(k.kind, k.id); };
  std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(), [&](const auto& a, const auto& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

}  // namespace seismo::chaos
