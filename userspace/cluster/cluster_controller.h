#pragma once

// Cluster mode on one node (docs/cluster.md, "How a node applies a
// NetworkFault"): a list+watch of every NetworkFault, per fault a
// label-selected list+watch of the pods its selector (and target) may
// match, node labels when nodeSelectors are used; on every change (and
// every `resync`) a pass plans each fault for this node (node_plan),
// converges the engine on the plans (engine_sync) and hands each fault's
// status entry to the status sink. No coordinator: every node decides the
// same pods from the same lists.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cluster/engine_actions.h"
#include "cluster/engine_sync.h"
#include "cluster/fault_store.h"
#include "cluster/pod_set.h"
#include "cluster/selection.h"
#include "cluster/status_publisher.h"
#include "cluster/watch_source.h"

namespace seismo::cluster {

struct ClusterConfig {
  std::string node;
  std::size_t max_faults = 64;  // faults watched per node; the rest are Failed "too many"
  std::chrono::milliseconds resync{1000};  // a pass at least this often (expiry, pods that got a netns)
  pods::ListWatchOptions watch;  // backoff, timeouts, page size: copied for every list+watch
};

struct ClusterCounters {
  bool synced = false;  // the NetworkFault list is complete
  std::size_t faults = 0;
  std::size_t invalid = 0;
  std::size_t watches = 0;  // list+watches running (faults, pods, nodes)
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t passes = 0;
  std::map<std::string, std::size_t> phases;  // phase → faults in it here
};

class ClusterController {
 public:
  ClusterController(ClusterConfig config, Selection selection, EngineActions& engine, WatchFactory watches,
                    StatusSink& status);
  ~ClusterController();
  ClusterController(const ClusterController&) = delete;
  ClusterController& operator=(const ClusterController&) = delete;

  Result<void> start();
  // Stops every watch and the pass thread (prompt: never waits on the API).
  // The engine faults stay; the daemon's engine shutdown removes them.
  void stop();
  void notify();
  // One pass (the thread calls it; tests too).
  void reconcile();
  [[nodiscard]] ClusterCounters counters() const;
  [[nodiscard]] nlohmann::json status() const;

 private:
  struct FaultWatch;
  void loop();
  // Starts/stops per-fault watches for the faults of this pass; returns the uids over the bound.
  std::map<std::string, std::string> update_watches(const std::vector<crd::NetworkFault>& faults);
  [[nodiscard]] std::vector<pods::Pod> matching(const PodSet& set, const pods::PodSelector& selector,
                                                const std::map<std::string, std::map<std::string, std::string>>& nodes) const;
  // `reported`: the object already has an entry of this node.
  void publish(const NodeFaultPlan& plan, const SyncOutcome& outcome, const std::vector<chaos::FaultSample>& samples,
               bool reported);
  Result<std::unique_ptr<WatchHandle>> start_watch(pods::ListWatchSink& sink, const std::string& path,
                                                   const std::string& label_query);

  ClusterConfig config_;
  Selection selection_;
  EngineActions& engine_;
  WatchFactory make_watch_;
  StatusSink& status_;

  FaultStore faults_;
  std::unique_ptr<WatchHandle> fault_watch_;
  NodeLabels nodes_;
  std::unique_ptr<WatchHandle> node_watch_;
  std::map<std::string, std::unique_ptr<FaultWatch>> watches_;  // by fault uid; pass thread only
  // What this node last published per fault uid (pass thread only): the
  // phase, and the counters, kept once the engine fault is gone (expired).
  std::map<std::string, NodeStatusEntry> last_;
  // Per fault uid: what its engine faults counted before this node removed
  // them (a pause, a reinstall for new peers). The status counters are
  // these plus what runs now, so they never go back (pass thread only).
  std::map<std::string, chaos::FaultCounters> carried_;
  // One pass at a time: the loop's, or a caller's (tests drive passes themselves).
  std::mutex pass_mu_;
  // Faults this node has offered an entry for (pass thread only).
  std::set<std::string> spoken_;

  mutable std::mutex counters_mu_;
  ClusterCounters counters_;

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool dirty_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace seismo::cluster
