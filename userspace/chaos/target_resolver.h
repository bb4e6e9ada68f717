#pragma once

#include <string>
#include <vector>

#include "chaos/fault_spec.h"
#include "common/result.h"
#include "net/netns.h"

namespace seismo::chaos {

// One place a fault applies: a network namespace and (optionally) the
// device in it; an empty interface means "the only non-loopback device".
struct Endpoint {
  net::Netns netns;
  std::string interface;
  std::string description;  // "netns web", "pid 1234", "cgroup /kubepods/…" (+ pod name later)
};

// Turns a fault's target into endpoints. The fault engine knows nothing of
// how: namespaces and cgroups now; pod selectors (pods issue) implement this
// interface too and are chained in front of it.
class TargetResolver {
 public:
  virtual ~TargetResolver() = default;
  // ENOENT/ESRCH when the target does not exist; an empty list is an error
  // too (a fault must apply somewhere).
  virtual Result<std::vector<Endpoint>> resolve(const TargetSpec& target) = 0;
};

}  // namespace seismo::chaos
