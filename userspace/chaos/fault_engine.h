#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/device_record.h"
#include "chaos/engine_state.h"
#include "chaos/fault_counters.h"
#include "chaos/fault_maps.h"
#include "chaos/fault_spec.h"
#include "chaos/hooked_device.h"
#include "chaos/target_resolver.h"
#include "common/result.h"
#include "net/netns.h"

namespace seismo::chaos {

struct FaultEngineConfig {
  std::string bpffs = "/sys/fs/bpf";       // a BPF filesystem is mounted here when missing
  std::string pin_subdir = "seismo/chaos";  // pinned maps: <bpffs>/<pin_subdir>/
  std::string state_file = "/run/seismo/faults.json";
  // fq sizing: a delayed flow may hold delay x rate packets in fq.
  uint64_t delay_rate_pps = 100000;
  bool reconcile = true;  // adopt/clean what a previous daemon left
};

// What start-up reconciliation found and did.
struct ReconcileReport {
  std::vector<std::string> adopted;          // still-running faults taken over
  std::vector<std::string> expired_removed;  // faults that ended while no daemon ran
  size_t filters_removed = 0;                // seismo filters of ended or unknown faults
  size_t unknown_slots_cleared = 0;          // map entries no fault owned
  size_t devices_restored = 0;               // devices given back their qdiscs
  size_t devices_gone = 0;                   // recorded devices that no longer exist
  size_t orphan_programs = 0;                // our programs on devices no record names (state file lost)
  std::vector<std::string> errors;
  [[nodiscard]] nlohmann::json to_json() const;
};

// A running fault's spec and the owners (pod uids) it currently covers.
struct FaultMembers {
  std::string name;
  FaultSpec spec;
  std::vector<std::string> owners;
};

// One fault's figures for metrics.
struct FaultSample {
  std::string name;
  Action action = Action::loss;
  FaultCounters counters;
};

// Network faults from tc BPF: validates nothing itself (specs arrive
// parsed), resolves targets through a TargetResolver, installs programs,
// fq and map entries, removes them when a fault ends (the kernel already
// stopped applying it at its expiry), and keeps a state file so a restarted
// daemon reconciles. Thread-safe.
class FaultEngine {
 public:
  static Result<std::unique_ptr<FaultEngine>> create(FaultEngineConfig config,
                                                     std::unique_ptr<TargetResolver> resolver);
  ~FaultEngine();
  FaultEngine(const FaultEngine&) = delete;
  FaultEngine& operator=(const FaultEngine&) = delete;

  // Applies one fault; returns its description (as in list()).
  Result<nlohmann::json> add(FaultSpec spec);
  // Applies several, all or none.
  Result<nlohmann::json> apply(std::vector<FaultSpec> specs);
  Result<void> remove(const std::string& name);
  size_t clear();
  [[nodiscard]] nlohmann::json list() const;
  // Adds endpoints to a running fault (a pod that started during a `mode:
  // all` pod fault). All or nothing.
  Result<nlohmann::json> extend(const std::string& name, std::vector<Endpoint> endpoints);
  // Drops from a fault the parts that serve `owner` (a pod that went away);
  // returns how many attachments were dropped. The fault itself stays.
  Result<size_t> retract(const std::string& name, const std::string& owner);
  [[nodiscard]] std::vector<FaultMembers> members() const;
  // Removes every fault, gives every device back its qdiscs, unpins the
  // maps and deletes the state file. Idempotent; the destructor calls it.
  void shutdown();

  [[nodiscard]] std::vector<FaultSample> samples() const;
  [[nodiscard]] std::vector<uint64_t> kernel_losses() const;
  [[nodiscard]] const ReconcileReport& reconcile_report() const { return report_; }
  [[nodiscard]] bool fq_available() const { return fq_available_; }
  [[nodiscard]] std::string pin_dir() const;
  // Whether the fault maps are loaded (only while faults exist).
  [[nodiscard]] bool kernel_state_loaded() const;

 private:
  struct Fault {
    FaultSpec spec;
    FaultPlacement at;
  };
  struct Attachment {
    DeviceKey device;
    net::TcHook hook = net::TcHook::egress;
    bool peer_is_src = false;
    std::vector<uint32_t> slots;
  };
  // Where one endpoint of a fault hooks in.
  struct Site {
    DeviceKey device;
    net::TcHook hook = net::TcHook::egress;
    bool peer_is_src = false;
    std::string where;
    std::string owner;  // Endpoint::owner, owner_name
    std::string owner_name;
  };

  FaultEngine(FaultEngineConfig config, std::unique_ptr<TargetResolver> resolver, net::Netns own_netns)
      : config_(std::move(config)), resolver_(std::move(resolver)), own_netns_(std::move(own_netns)) {}
  Result<void> start();
  Result<void> ensure_maps_locked();
  void release_maps_if_idle_locked();

  Result<nlohmann::json> add_locked(FaultSpec spec);
  Result<std::vector<Site>> plan_sites_locked(const FaultSpec& spec);
  Result<std::vector<Site>> sites_for_locked(const FaultSpec& spec, std::vector<Endpoint>& eps,
                                             const std::vector<size_t>& chosen);
  Result<void> attach_sites_locked(Fault& fault, const std::vector<Site>& sites);
  // Detaches the fault's sites whose attachment `drop` picks; returns how many.
  size_t drop_sites_locked(Fault& fault, const std::function<bool(uint32_t attach_id)>& drop);
  void tidy_unused_devices_locked();
  Result<HookedDevice*> device_locked(net::Netns netns, const net::LinkInfo& link);
  Result<void> check_conflicts_locked(const FaultSpec& spec, const std::vector<Site>& sites) const;
  Result<uint32_t> attachment_for_locked(const Site& site);
  Result<void> install_locked(Fault& fault, const std::vector<Site>& sites);
  void remove_locked(Fault& fault);
  void drop_attachment_slot_locked(uint32_t attach_id, uint32_t slot);
  void tidy_device_locked(const DeviceKey& key);
  [[nodiscard]] bool device_has_delay_locked(const DeviceKey& key) const;
  Result<void> write_attach_locked(uint32_t attach_id);
  [[nodiscard]] nlohmann::json describe_locked(const Fault& fault) const;
  void save_locked();

  void reconcile_locked(const EngineState& state);
  void expiry_loop();

  FaultEngineConfig config_;
  std::unique_ptr<TargetResolver> resolver_;
  net::Netns own_netns_;
  std::string pin_dir_;
  bool fq_available_ = false;
  std::unique_ptr<FaultMaps> maps_;
  ReconcileReport report_;

  mutable std::mutex mutex_;
  std::map<std::string, Fault> faults_;
  std::map<uint32_t, Attachment> attachments_;
  std::map<DeviceKey, std::unique_ptr<HookedDevice>> devices_;
  uint64_t next_generation_ = 1;
  std::string boot_id_;
  std::mt19937_64 rng_{std::random_device{}()};
  bool stopped_ = false;

  std::condition_variable wake_;
  std::thread expiry_;
};

}  // namespace seismo::chaos
