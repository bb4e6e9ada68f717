#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/device_record.h"
#include "common/result.h"

namespace seismo::chaos {

// Where a fault lives in the kernel and since when: the same in the
// engine's memory and in the state file.
struct FaultPlacement {
  uint32_t slot = 0;             // index into fault_cfg
  uint64_t generation = 0;       // fault_cfg.generation: tells this fault from a slot's earlier users
  uint64_t expires_mono_ns = 0;  // fault_cfg.expires_ns
  int64_t created_unix_ms = 0;
  std::vector<uint32_t> attach_ids;   // attachments listing the slot
  std::vector<std::string> endpoints;  // where, for people ("eth0 egress (netns web)")
  // Pod faults: which pod (uid) each attachment serves, so a pod that goes
  // away can be dropped from the fault; and each pod's "namespace/name".
  std::map<uint32_t, std::string> owner_of_attach;
  std::map<std::string, std::string> owner_names;
  // A guarded pod fault: each pod's network namespace (inode), the
  // fault_guard_owners entry that goes when the pod leaves the fault.
  std::map<std::string, uint64_t> owner_netns;
};

// One fault as persisted: enough for a restarted daemon to adopt it (or to
// recognise it as expired) and to clean up after it.
struct FaultRecord {
  nlohmann::json spec;  // canonical spec (to_json(FaultSpec))
  FaultPlacement placement;
};

// The fault engine's persisted state (a JSON file under /run: it lives as
// long as the kernel state it describes, i.e. until reboot).
struct EngineState {
  std::string boot_id;
  uint64_t next_generation = 1;
  std::vector<FaultRecord> faults;
  std::vector<DeviceRecord> devices;
};

// nullopt when the file does not exist.
Result<std::optional<EngineState>> load_engine_state(const std::string& path);
// Writes atomically (temporary file + rename).
Result<void> save_engine_state(const std::string& path, const EngineState& state);
// /proc/sys/kernel/random/boot_id: tells a restart from a reboot.
std::string current_boot_id();

}  // namespace seismo::chaos
