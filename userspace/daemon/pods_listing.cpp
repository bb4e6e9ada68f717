#include "daemon/pods_listing.h"

#include <algorithm>

#include "pods/pod_attribution.h"
#include "pods/pod_cgroups.h"
#include "pods/pod_network.h"

namespace seismo::daemon {

using nlohmann::json;

Result<json> pods_listing(const pods::PodStore& store, bool synced, const std::string& cgroup_root,
                          const net::Netns& own_netns, const chaos::FaultEngine* engine, const json& params) {
  for (const auto& [key, value] : params.items())
    if (key != "namespace" && key != "selector" && key != "pod")
      return fail_errno(EINVAL, "field '" + key + "': unknown parameter for pods");
  auto filter = pods::PodFilter::from_params(params);
  if (!filter) return fail(std::move(filter).error());
  const auto faults = engine ? engine->members() : std::vector<chaos::FaultMembers>{};
  const auto cgroups = pods::scan_pod_cgroups(cgroup_root);
  static const std::vector<pods::PodCgroupDir> kNone;
  json out = json::array();
  for (const auto& pod : store.snapshot()) {
    if (!filter->matches(pod)) continue;
    auto it = cgroups.find(pods::cgroup_uid(pod));
    const auto& dirs = it == cgroups.end() ? kNone : it->second;
    json cg = json::array();
    for (const auto& d : dirs) {
      std::string container;
      for (const auto& c : pod.containers)
        if (!d.parsed.container_id.empty() && c.id == d.parsed.container_id) container = c.name;
      cg.push_back({{"id", d.id}, {"path", d.path}, {"container", container}});
    }
    json row = {{"namespace", pod.namespace_name}, {"pod", pod.name},   {"uid", pod.uid},
                {"labels", pod.labels},            {"cgroups", cg},     {"host_veth", nullptr}};
    if (auto net = pods::resolve_pod_network(cgroup_root, dirs, own_netns, pod.host_network); net) {
      row["host_veth"] = net->host_interface;
      row["host_ifindex"] = net->host_ifindex;
    } else {
      row["network_error"] = net.error().message();
    }
    json hits = json::array();
    for (const auto& f : faults)
      if (std::find(f.owners.begin(), f.owners.end(), pod.uid) != f.owners.end()) hits.push_back(f.name);
    row["faults"] = std::move(hits);
    out.push_back(std::move(row));
  }
  return json{{"synced", synced}, {"pods", std::move(out)}};
}

}  // namespace seismo::daemon
