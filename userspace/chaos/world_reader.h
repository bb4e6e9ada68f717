#pragma once

#include <optional>
#include <vector>

#include "chaos/target_resolver.h"
#include "chaos/world_snapshot.h"
#include "common/result.h"
#include "net/link_info.h"
#include "net/netns.h"

namespace seismo::chaos {

// What the installer needs to open a planned device: the endpoint's netns
// and device, and its veth peer's when it was read. Indexed like
// WorldSnapshot::endpoints.
struct EndpointHandles {
  std::optional<net::Netns> netns;
  std::optional<net::LinkInfo> link;
  std::optional<net::Netns> peer_netns;
  std::optional<net::LinkInfo> peer_link;
};

// The endpoints a fault would use, as facts for the planner plus the open
// namespaces for the installer.
struct ReadEndpoints {
  std::vector<EndpointFacts> facts;
  std::vector<EndpointHandles> handles;
};

// The syscall side of planning: resolves targets and looks at the chosen
// endpoints' devices (rtnetlink in their namespaces). Changes nothing.
class WorldReader {
 public:
  explicit WorldReader(TargetResolver& resolver) : resolver_(resolver) {}

  Result<std::vector<Endpoint>> resolve(const TargetSpec& target) { return resolver_.resolve(target); }
  // Facts about endpoints[i] for each i in `chosen`; `with_peer` also finds
  // each device's veth peer. Per-endpoint failures become facts (the
  // planner decides whether they matter); none is an error here.
  static ReadEndpoints read(std::vector<Endpoint>& endpoints, const std::vector<size_t>& chosen, bool with_peer);

 private:
  TargetResolver& resolver_;
};

}  // namespace seismo::chaos
