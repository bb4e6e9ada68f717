#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "net/netns.h"
#include "pods/pod_cgroups.h"

namespace seismo::pods {

// Where a pod's traffic passes: its network namespace, its interface there
// and the host-side end of that veth.
struct PodNetwork {
  net::Netns netns;
  int ifindex = 0;
  std::string interface;
  int host_ifindex = 0;
  std::string host_interface;
};

// Resolves pod → a process of its containers (cgroup.procs) → that
// process's /proc/<pid>/ns/net → `interface` there → its veth peer. Clear
// errors for: no process yet, host-network pods, no such interface,
// non-veth interfaces (ipvlan, netkit: no host peer).
//
// A host-network pod is known from the API (`spec.hostNetwork`,
// `declared_host_network`); without the API, by a process in `own`'s netns,
// which only catches it when seismod itself runs in the node's network
// (the DaemonSet's seismod has a pod network of its own, so there the
// API's word is what tells).
Result<PodNetwork> resolve_pod_network(const std::string& cgroup_root, const std::vector<PodCgroupDir>& dirs,
                                       const net::Netns& own, bool declared_host_network,
                                       const std::string& interface = "eth0");

}  // namespace seismo::pods
