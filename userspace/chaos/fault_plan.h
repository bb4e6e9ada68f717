#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/cgroup_target.h"
#include "chaos/device_record.h"
#include "net/fq_options.h"
#include "net/tc_filter.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

// Where a device the plan uses comes from: an endpoint's own netns, or the
// netns of its veth peer (for ingress delay).
struct PlannedDevice {
  DeviceKey key;
  std::string name;
  size_t endpoint = 0;  // index into WorldSnapshot::endpoints
  bool via_peer = false;
  bool hooked = false;  // the registry already holds it
};

// One tc attachment the fault's slot is listed in: an existing one, or a new
// program + filter (is_new).
struct PlannedAttachment {
  uint32_t attach_id = 0;
  DeviceKey device;
  net::TcHook hook = net::TcHook::egress;
  bool peer_is_src = false;
  bool is_new = false;
  uint32_t mac_header_len = 0;
  std::vector<uint32_t> slots_before;  // fault_attach[attach_id] now
  std::vector<uint32_t> slots_after;   // and once the plan is applied
  std::string where;  // "eth0 egress (netns web)"
  std::string owner;  // pod uid, "" for other targets
  std::string owner_name;
  // target.by: socket at ingress: a cgroup_skb program on this cgroup
  // (cgroup_id != 0), not a tc filter; `device` is unused then.
  uint64_t cgroup_id = 0;
  std::string cgroup_path;
};

// Everything an add or an extend will change, decided before anything is
// touched. Steps run in this order: fault_cfg[slot] (new faults), then per
// attachment: open its device, load + attach the program (is_new), fq on
// the device (delay), the attachment's slot list.
struct FaultPlan {
  std::string name;
  uint32_t slot = 0;
  bool new_fault = true;  // false: extend of a running fault
  std::vector<PlannedDevice> devices;
  std::vector<PlannedAttachment> attachments;
  std::optional<net::FqOptions> fq;  // delay: fq on every device of the plan
  std::optional<CgroupTarget> cgroup;  // target.by: socket: fault_cfg's cgroup filter
  // A guarded fault: whose TCP events count for its guard (guard_owners.h).
  std::vector<fault_guard_owner_key> guard_owners;

  [[nodiscard]] const PlannedDevice* device(const DeviceKey& key) const;
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace seismo::chaos
