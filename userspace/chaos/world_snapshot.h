#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chaos/cgroup_target.h"
#include "chaos/device_record.h"
#include "chaos/fault_spec.h"
#include "chaos/host_netns.h"
#include "common/result.h"
#include "net/tc_filter.h"

namespace seismo::chaos {

// The facts the fault planner decides from, gathered by WorldReader (the
// only part that makes syscalls). Plain values: no fd, no socket, so a unit
// test builds one by hand.

// A network device: where it is and what tc sees on it.
struct DeviceFacts {
  DeviceKey key;
  std::string name;
  bool has_mac_header = true;  // ARPHRD_ETHER: the tc program skips 14 bytes
};

// One chosen endpoint of the target. `device` is the device a fault uses in
// the endpoint's netns (named, or the only one besides lo), or the error
// that says why there is none; `peer` likewise for its veth peer, read only
// when the planner's rules ask for it (FaultPlanner::needs_peer).
struct EndpointFacts {
  uint64_t netns_inode = 0;
  uint64_t netns_device = 0;
  std::string description;  // "netns web", "pod default/web-1"
  std::string owner;        // pod uid (empty for other targets)
  std::string owner_name;
  Result<DeviceFacts> device = fail_plain("not read");
  std::optional<Result<DeviceFacts>> peer;
  std::optional<CgroupTarget> cgroup;  // target.by: socket
};

// A tc attachment that exists now, with the fault slots it lists.
struct PlacedAttachment {
  uint32_t attach_id = 0;
  DeviceKey device;
  net::TcHook hook = net::TcHook::egress;
  bool peer_is_src = false;
  std::vector<uint32_t> slots;
  uint64_t cgroup_id = 0;  // a cgroup_skb attachment (target.by: socket), not a device's
};

// A running fault as the planner needs to know it.
struct LiveFault {
  std::string name;
  uint32_t slot = 0;
  FaultSpec spec;
  std::vector<uint32_t> attach_ids;
};

// What is installed now (from the fault registry).
struct InstalledState {
  std::vector<LiveFault> faults;
  std::vector<PlacedAttachment> attachments;
  [[nodiscard]] const LiveFault* fault(const std::string& name) const;
};

struct WorldSnapshot {
  bool fq_available = false;
  HostNetns host;  // namespaces that need host_network: true
  InstalledState installed;
  std::vector<EndpointFacts> endpoints;  // the chosen ones, in order
};

}  // namespace seismo::chaos
