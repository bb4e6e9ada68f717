#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/fault_installer.h"
#include "chaos/fault_planner.h"
#include "chaos/fault_readout.h"
#include "chaos/fault_registry.h"
#include "chaos/fault_spec.h"
#include "chaos/host_netns.h"
#include "chaos/reconcile_report.h"
#include "chaos/target_resolver.h"
#include "chaos/world_reader.h"
#include "common/result.h"

namespace seismo::chaos {

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
  // Tests only: fails chosen steps of an install (see FaultInstaller).
  InstallGate install_gate;
};

// Network faults from tc BPF, as three parts (docs/architecture.md, One
// fault): a WorldReader and FaultPlanner decide what a spec changes with no
// side effect, a FaultInstaller applies that plan as one transaction, and a
// FaultRegistry keeps the live faults, their expiry, the state file a
// restarted daemon reconciles from, and the read view. This class wires
// them and holds the lock. Validates nothing itself (specs arrive parsed).
// Thread-safe.
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
  // Replaces a running fault's peer set (filter.cidrs) in place: the new
  // prefixes are added to the fault_peers trie, then the gone ones removed;
  // its config, counters and model state are untouched, so the fault never
  // stops (a cluster fault's target pod replaced). The state file records
  // the new set. All or nothing.
  Result<nlohmann::json> set_peers(const std::string& name, std::vector<Cidr> peers);
  [[nodiscard]] std::vector<FaultMembers> members() const { return registry_->members(); }
  // Removes every fault, gives every device back its qdiscs, unpins the
  // maps and deletes the state file. Idempotent; the destructor calls it.
  void shutdown();

  // Looks for filters of ours removed outside seismo (tc filter del, a
  // deleted clsact): such a fault is reported broken in list(). Also runs
  // every few seconds on the expiry thread.
  void check_kernel_state();

  // Like list(), these read the published state and never wait on a change.
  [[nodiscard]] std::vector<FaultSample> samples() const { return registry_->samples(); }
  [[nodiscard]] std::vector<uint64_t> kernel_losses() const { return registry_->kernel_losses(); }
  [[nodiscard]] const ReconcileReport& reconcile_report() const { return report_; }
  [[nodiscard]] bool fq_available() const { return fq_available_; }
  [[nodiscard]] std::string pin_dir() const { return pin_dir_; }
  // Whether the fault maps are loaded (only while faults exist).
  [[nodiscard]] bool kernel_state_loaded() const { return registry_->kernel_state_loaded(); }

 private:
  FaultEngine(FaultEngineConfig config, std::unique_ptr<TargetResolver> resolver, HostNetns host_netns);
  Result<void> start();
  [[nodiscard]] WorldSnapshot snapshot() const;
  Result<nlohmann::json> add_locked(FaultSpec spec);
  // After a retract: unlists the fault from the owner's netns entry in
  // fault_guard_owners, so that pod's TCP events stop counting.
  void release_guard_owner(RunningFault& fault, const std::string& owner);

  FaultEngineConfig config_;
  std::unique_ptr<TargetResolver> resolver_;
  HostNetns host_netns_;  // what host_network guards
  std::string pin_dir_;
  bool fq_available_ = false;
  ReconcileReport report_;
  FaultPlanner planner_;
  WorldReader reader_;
  std::unique_ptr<FaultRegistry> registry_;
  FaultInstaller installer_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace seismo::chaos
