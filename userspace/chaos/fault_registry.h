#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/cgroup_link.h"
#include "chaos/engine_state.h"
#include "chaos/fault_maps.h"
#include "chaos/fault_readout.h"
#include "chaos/fault_spec.h"
#include "chaos/hooked_device.h"
#include "chaos/reconcile_report.h"
#include "chaos/world_snapshot.h"
#include "common/result.h"

namespace seismo::chaos {

// Where the registry keeps its kernel and file state.
struct RegistryPaths {
  std::string bpffs;
  std::string pin_dir;
  std::string state_file;
  std::string node_netns_path;  // where the orphan sweep starts
};

// A running fault: its spec and where it lives in the kernel.
struct RunningFault {
  FaultSpec spec;
  FaultPlacement at;
};

// One program on one device hook and the fault slots it applies.
struct Attachment {
  DeviceKey device;
  net::TcHook hook = net::TcHook::egress;
  bool peer_is_src = false;
  std::vector<uint32_t> slots;
  uint64_t cgroup_id = 0;  // a cgroup_skb link (cgroup_links_), not a tc filter on `device`
};

// The live faults, the devices and attachments they use, the pinned maps,
// the state file, the expiry thread and the read view. Everything but the
// view readers (list, samples, members, kernel_losses) runs under mutex(),
// held by the caller ("_locked" in the engine's words); the expiry thread
// takes it itself.
class FaultRegistry {
 public:
  explicit FaultRegistry(RegistryPaths paths);
  ~FaultRegistry();
  FaultRegistry(const FaultRegistry&) = delete;
  FaultRegistry& operator=(const FaultRegistry&) = delete;

  [[nodiscard]] std::mutex& mutex() const { return mutex_; }
  [[nodiscard]] bool stopped() const { return stopped_; }
  [[nodiscard]] std::string boot_id() const { return boot_id_; }
  [[nodiscard]] uint64_t take_generation() { return next_generation_++; }

  // The pinned maps, created with the first fault; true when created now.
  Result<bool> ensure_maps();
  // Also removes the guards' TCP counters when no guarded fault is left.
  void release_maps_if_idle();
  void release_guard_tracing_if_unused();
  [[nodiscard]] FaultMaps* maps() const { return maps_.get(); }

  [[nodiscard]] InstalledState installed() const;
  [[nodiscard]] RunningFault* find(const std::string& name);
  [[nodiscard]] HookedDevice* device(const DeviceKey& key);
  [[nodiscard]] bool empty() const { return faults_.empty(); }
  [[nodiscard]] size_t size() const { return faults_.size(); }

  // Takes over what an install did (never fails).
  void adopt_device(std::unique_ptr<HookedDevice> device);
  void adopt_cgroup_link(uint32_t attach_id, std::unique_ptr<CgroupLink> link);
  void set_attachment(uint32_t attach_id, Attachment attachment);
  void put(RunningFault fault);

  void remove(const std::string& name);
  size_t remove_all();
  // Detaches the fault's attachments that `drop` picks; returns how many.
  size_t drop_attachments(RunningFault& fault, const std::function<bool(uint32_t attach_id)>& drop);

  // The state file as it would be written now.
  [[nodiscard]] EngineState state() const;
  // Writes `state`, or removes the file when it holds nothing. Publishes.
  Result<void> write(const EngineState& state);
  Result<void> save() { return write(state()); }

  void reconcile(const EngineState& previous, ReconcileReport& report);
  void start_expiry();
  // Stops the expiry thread, removes every fault, restores every device,
  // unpins the maps and removes the state file.
  void shutdown();

  // Read side: never waits for a change in progress.
  [[nodiscard]] nlohmann::json describe(const std::string& name) const;
  [[nodiscard]] nlohmann::json list_faults();
  [[nodiscard]] std::vector<FaultMembers> members() const;
  [[nodiscard]] std::vector<FaultSample> samples() const;
  [[nodiscard]] std::vector<uint64_t> kernel_losses() const;
  [[nodiscard]] bool kernel_state_loaded() const;
  // Looks for filters of ours removed underneath (call with mutex() held).
  void verify();
  void wake() { wake_.notify_all(); }
  // Makes the current faults what readers see.
  void publish();

 private:
  struct View {
    std::vector<std::pair<std::string, RunningFault>> faults;
    std::map<std::string, std::vector<std::string>> problems;  // fault → what is broken
    std::shared_ptr<FaultMaps> maps;
  };

  void remove_fault(RunningFault& fault);
  [[nodiscard]] bool guard_tracing_pins_absent() const;
  // Whether the fault has a guard (its spec, or its live cfg's flags).
  [[nodiscard]] bool guarded(const RunningFault& fault) const;
  void drop_attachment_slot(uint32_t attach_id, uint32_t slot);
  void tidy_device(const DeviceKey& key);
  [[nodiscard]] bool device_has_delay(const DeviceKey& key) const;
  Result<void> write_attach(uint32_t attach_id);
  void sweep_orphans(const std::set<uint32_t>& recorded_programs, ReconcileReport& report);
  void reconcile_devices(const EngineState& previous, ReconcileReport& report, std::set<uint32_t>& seen_programs);
  void reconcile_maps(uint64_t now, ReconcileReport& report);
  void reconcile_guards(ReconcileReport& report);
  std::vector<uint32_t> reconcile_cgroup_links(ReconcileReport& report);
  uint64_t expire(uint64_t now);
  void expiry_loop();
  [[nodiscard]] std::vector<std::string> problems(const RunningFault& fault) const;
  static nlohmann::json describe(const RunningFault& fault, const FaultMaps* maps,
                                 const std::vector<std::string>& broken);
  [[nodiscard]] std::shared_ptr<const View> view() const;

  RegistryPaths paths_;
  std::shared_ptr<FaultMaps> maps_;
  std::map<std::string, RunningFault> faults_;
  std::map<uint32_t, Attachment> attachments_;
  std::map<DeviceKey, std::unique_ptr<HookedDevice>> devices_;
  std::map<uint32_t, std::unique_ptr<CgroupLink>> cgroup_links_;  // attach id → link (target.by: socket)
  std::map<uint32_t, std::string> broken_;  // attach id → what was found missing
  uint64_t next_generation_ = 1;
  std::string boot_id_;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  mutable std::mutex view_mutex_;
  std::shared_ptr<const View> view_;
  std::condition_variable wake_;
  std::thread expiry_;
};

}  // namespace seismo::chaos
