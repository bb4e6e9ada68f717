#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
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
#include "chaos/host_netns.h"
#include "chaos/target_resolver.h"
#include "common/result.h"
#include "net/netns.h"

namespace seismo::chaos {

// Bound on the network namespaces a start-up sweep for unrecorded filters
// searches (a node runs a few hundred pods at most).
inline constexpr size_t kMaxSweptNamespaces = 4096;

struct FaultEngineConfig {
  std::string bpffs = "/sys/fs/bpf";       // a BPF filesystem is mounted here when missing
  std::string pin_subdir = "seismo/chaos";  // pinned maps: <bpffs>/<pin_subdir>/
  std::string state_file = "/run/seismo/faults.json";
  // fq sizing: a delayed flow may hold delay x rate packets in fq.
  uint64_t delay_rate_pps = 100000;
  bool reconcile = true;  // adopt/clean what a previous daemon left
  // The node's network namespace as seismod sees it (PID 1's, the host's
  // init under hostPID): targets there need host_network: true.
  std::string node_netns_path = "/proc/1/ns/net";
};

// What start-up reconciliation found and did.
struct ReconcileReport {
  std::vector<std::string> adopted;          // still-running faults taken over
  std::vector<std::string> expired_removed;  // faults that ended while no daemon ran
  size_t filters_removed = 0;                // seismo filters of ended or unknown faults
  size_t unknown_slots_cleared = 0;          // map entries no fault owned
  size_t devices_restored = 0;               // devices given back their qdiscs
  size_t devices_gone = 0;                   // recorded devices that no longer exist
  size_t orphan_programs = 0;                // our programs still loaded whose filters were not found
  size_t namespaces_swept = 0;               // network namespaces searched for unrecorded filters
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
  bool broken = false;  // a filter of it was removed outside seismo (see list())
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
  // Never waits for a change in progress (an add loading programs): reads
  // the state published after the last change. Checks the tc state of every
  // fault first when no change is in progress.
  [[nodiscard]] nlohmann::json list();
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

  // Looks for filters of ours removed outside seismo (tc filter del, a
  // deleted clsact): such a fault is reported broken in list(). Also runs
  // every few seconds on the expiry thread.
  void check_kernel_state();

  // Like list(), these read the published state and never wait on a change.
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
  // What readers see (list, samples, members, scrapes): published under the
  // engine mutex after every change and read under view_mutex_ alone.
  struct View {
    std::vector<std::pair<std::string, Fault>> faults;
    std::map<std::string, std::vector<std::string>> problems;  // fault → what is broken
    std::shared_ptr<FaultMaps> maps;
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

  FaultEngine(FaultEngineConfig config, std::unique_ptr<TargetResolver> resolver, HostNetns host_netns)
      : config_(std::move(config)), resolver_(std::move(resolver)), host_netns_(std::move(host_netns)) {}
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
  static nlohmann::json describe(const Fault& fault, const FaultMaps* maps, const std::vector<std::string>& problems);
  [[nodiscard]] std::vector<std::string> problems_locked(const Fault& fault) const;
  void publish_locked();
  [[nodiscard]] std::shared_ptr<const View> view() const;
  void verify_locked();
  // Removes seismo filters whose programs use our maps from every device
  // of every network namespace reachable (a lost or corrupt state file).
  void sweep_orphans_locked(const std::set<uint32_t>& recorded_programs);
  // Writes the state file; an error means a crash now would lose track of
  // what is installed (callers that add roll back).
  Result<void> save_locked();

  void reconcile_locked(const EngineState& state);
  uint64_t expire_locked(uint64_t now);
  void expiry_loop();

  FaultEngineConfig config_;
  std::unique_ptr<TargetResolver> resolver_;
  HostNetns host_netns_;  // what host_network guards
  std::string pin_dir_;
  bool fq_available_ = false;
  std::shared_ptr<FaultMaps> maps_;
  ReconcileReport report_;

  mutable std::mutex mutex_;
  std::map<std::string, Fault> faults_;
  std::map<uint32_t, Attachment> attachments_;
  std::map<DeviceKey, std::unique_ptr<HookedDevice>> devices_;
  std::map<uint32_t, std::string> broken_;  // attach id → what was found missing
  uint64_t next_generation_ = 1;
  std::string boot_id_;
  std::mt19937_64 rng_{std::random_device{}()};
  bool stopped_ = false;

  mutable std::mutex view_mutex_;
  std::shared_ptr<const View> view_;

  std::condition_variable wake_;
  std::thread expiry_;
};

}  // namespace seismo::chaos
