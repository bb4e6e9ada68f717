#pragma once

// The fault engine as the cluster controller uses it: a small interface so
// the reconciler's effects are unit-tested against a fake (EngineSync's
// tests) and run on chaos::FaultEngine in the daemon (FaultEngineActions).

#include <cstddef>
#include <string>
#include <vector>

#include "chaos/fault_readout.h"
#include "chaos/fault_spec.h"
#include "common/result.h"
#include "pods/pod.h"

namespace seismo::cluster {

class EngineActions {
 public:
  virtual ~EngineActions() = default;
  // Every running fault with the pod uids it covers.
  [[nodiscard]] virtual std::vector<chaos::FaultMembers> members() const = 0;
  [[nodiscard]] virtual std::vector<chaos::FaultSample> samples() const = 0;
  virtual Result<void> add(chaos::FaultSpec spec) = 0;
  virtual Result<void> remove(const std::string& name) = 0;
  // Adds these pods (this node's) to a running fault.
  virtual Result<void> extend(const std::string& name, const std::vector<pods::Pod>& pods,
                              const std::string& interface) = 0;
  // Replaces a running fault's peer prefixes in place (counters kept).
  virtual Result<void> set_peers(const std::string& name, const std::vector<chaos::Cidr>& peers) = 0;
  // Drops the pod with this uid from a running fault.
  virtual Result<void> retract(const std::string& name, const std::string& pod_uid) = 0;
};

}  // namespace seismo::cluster
