#include "chaos/fault_plan.h"

#include <fmt/format.h>

namespace seismo::chaos {

using nlohmann::json;

const PlannedDevice* FaultPlan::device(const DeviceKey& key) const {
  for (const auto& d : devices)
    if (d.key == key) return &d;
  return nullptr;
}

json FaultPlan::to_json() const {
  json devs = json::array();
  for (const auto& d : devices)
    devs.push_back({{"name", d.name},
                    {"ifindex", d.key.ifindex},
                    {"netns_inode", d.key.netns_inode},
                    {"via_peer", d.via_peer},
                    {"hooked", d.hooked}});
  json atts = json::array();
  for (const auto& a : attachments) {
    if (a.cgroup_id) {
      atts.push_back({{"attach_id", a.attach_id},
                      {"cgroup", a.cgroup_path},
                      {"cgroup_id", a.cgroup_id},
                      {"new", a.is_new},
                      {"slots_before", a.slots_before},
                      {"slots_after", a.slots_after},
                      {"where", a.where}});
      continue;
    }
    atts.push_back({{"attach_id", a.attach_id},
                    {"ifindex", a.device.ifindex},
                    {"hook", net::tc_hook_name(a.hook)},
                    {"peer_is_src", a.peer_is_src},
                    {"new", a.is_new},
                    {"slots_before", a.slots_before},
                    {"slots_after", a.slots_after},
                    {"where", a.where}});
  }
  json out = {{"name", name}, {"slot", slot}, {"new_fault", new_fault}, {"devices", devs}, {"attachments", atts}};
  if (cgroup) out["cgroup"] = {{"path", cgroup->path}, {"id", cgroup->id}, {"level", cgroup->level}};
  if (fq) out["fq"] = {{"limit", fq->limit}, {"flow_limit", fq->flow_limit}, {"horizon_us", fq->horizon_us}};
  return out;
}

}  // namespace seismo::chaos
