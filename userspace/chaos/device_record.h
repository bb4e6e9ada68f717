#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "net/qdisc.h"
#include "net/tc_filter.h"

namespace seismo::chaos {

// Identifies a device across the daemon's lifetime: netns identity + ifindex.
struct DeviceKey {
  uint64_t netns_inode = 0;
  uint64_t netns_device = 0;
  int ifindex = 0;
  auto operator<=>(const DeviceKey&) const = default;
};

// One program on one hook of a device, applying the faults listed in
// fault_attach[attach_id].
struct AttachmentRecord {
  uint32_t attach_id = 0;
  net::TcHook hook = net::TcHook::egress;
  bool peer_is_src = false;
};

// Everything seismo changed on one device, persisted so a restarted daemon
// can undo it exactly.
struct DeviceRecord {
  DeviceKey key;
  std::string netns_path;  // how to open the netns again (/run/netns/X, /proc/PID/ns/net)
  std::string ifname;
  bool clsact_created = false;             // we created the clsact qdisc
  bool fq_installed = false;               // we replaced the root qdisc with fq
  std::optional<net::Qdisc> previous_root;  // the root qdisc fq replaced
  std::vector<AttachmentRecord> attachments;
};

nlohmann::json to_json(const DeviceRecord& record);
Result<DeviceRecord> device_record_from_json(const nlohmann::json& doc);

}  // namespace seismo::chaos
