#pragma once

#include <string>
#include <vector>

#include "chaos/target_resolver.h"

namespace seismo::chaos {

// Resolves targets by network namespace name (/run/netns/NAME), by process
// id (/proc/PID/ns/net), or by cgroup v2 path: the distinct network
// namespaces of every process in the cgroup and its descendants.
class NamespaceResolver : public TargetResolver {
 public:
  // cgroup_root: the cgroup2 mount ("/sys/fs/cgroup"); netns_dir: where named
  // namespaces live ("/run/netns").
  NamespaceResolver(std::string cgroup_root, std::string netns_dir = "/run/netns")
      : cgroup_root_(std::move(cgroup_root)), netns_dir_(std::move(netns_dir)) {}

  Result<std::vector<Endpoint>> resolve(const TargetSpec& target) override;

 private:
  Result<std::vector<Endpoint>> resolve_cgroup(const TargetSpec& target);
  std::string cgroup_root_;
  std::string netns_dir_;
};

}  // namespace seismo::chaos
