#pragma once

// What a NetworkFault means for this node's fault engine: the FaultSpecs to
// add (netem is a loss fault and a delay fault; `direction` maps to/from/both
// onto egress/ingress/both of the selected pods' eth0; the peers become the
// filter's CIDRs). Used by `seismo apply` of a NetworkFault or NetworkChaos
// document (this node's pods, chosen by the selector and mode locally) and by
// the cluster controller (the pods the cluster-wide ranking chose, named).

#include <map>
#include <string>
#include <vector>

#include "chaos/cidr.h"
#include "chaos/fault_spec.h"
#include "common/result.h"
#include "crd/network_fault.h"

namespace seismo::chaos {

struct NetworkFaultPlacement {
  // Prefix of every fault name (the engine's name rules; the specs are
  // named <base>, or <base>-loss and <base>-delay for netem).
  std::string base_name;
  // Cluster mode: exactly these pods (namespace → names), mode all. Empty:
  // the spec's own selector and mode over this node's pods (local apply).
  std::map<std::string, std::vector<std::string>> pods;
  // The peers: the target's pod IPs (cluster mode) and externalTargets.
  // Empty and no target/externalTargets: every peer.
  std::vector<Cidr> peers;
  // Nanoseconds left of spec.duration (cluster mode: measured from the
  // object's creation, so a late node does not run past the end).
  uint64_t duration_ns = 0;
};

// EINVAL naming the field when the spec asks for what the engine cannot do
// (e.g. more peers than kMaxCidrs: "spec.target: 1100 peer addresses ..., at most 1024").
[[nodiscard]] Result<std::vector<FaultSpec>> fault_specs_for(const crd::NetworkFault& fault,
                                                             const NetworkFaultPlacement& placement);

}  // namespace seismo::chaos
