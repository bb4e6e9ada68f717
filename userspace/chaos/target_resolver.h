#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chaos/cgroup_target.h"
#include "chaos/fault_spec.h"
#include "common/result.h"
#include "net/netns.h"

namespace seismo::chaos {

// One place a fault applies: a network namespace and (optionally) the
// device in it; an empty interface means "the only non-loopback device".
struct Endpoint {
  net::Netns netns;
  std::string interface;
  std::string description;  // "netns web", "pid 1234", "cgroup /kubepods/…", "pod default/web-1"
  // Set by resolvers of things that come and go (pods): an id ("<uid>") the
  // engine can later drop from the fault, and its name ("default/web-1").
  std::string owner;
  std::string owner_name;
  // target.by: socket: the cgroup whose sockets' packets the fault selects.
  std::optional<CgroupTarget> cgroup;
};

// Turns a fault's target into endpoints. The fault engine knows nothing of
// how: NamespaceResolver does namespaces and cgroups; PodTargetResolver
// does pod selectors and is chained in front of it.
class TargetResolver {
 public:
  virtual ~TargetResolver() = default;
  // ENOENT/ESRCH when the target does not exist; an empty list is an error
  // too (a fault must apply somewhere).
  virtual Result<std::vector<Endpoint>> resolve(const TargetSpec& target) = 0;
};

}  // namespace seismo::chaos
