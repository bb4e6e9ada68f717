#pragma once

#include <memory>

#include "api/router.h"
#include "api/server.h"
#include "cgroup/cgroup_resolver.h"
#include "chaos/fault_engine.h"
#include "cluster/cluster_controller.h"
#include "cluster/fault_engine_actions.h"
#include "cluster/status_publisher.h"
#include "common/result.h"
#include "daemon/config.h"
#include "daemon/trace_publisher.h"
#include "events/event_hub.h"
#include "metrics/metrics_server.h"
#include "metrics/scraper.h"
#include "net/netns.h"
#include "pods/pod_attribution.h"
#include "chaos/pod_fault_follower.h"
#include "pods/pod_store.h"
#include "pods/pod_watcher.h"
#include "daemon/running_probe.h"

namespace seismo::daemon {

// Owns every part of seismod, built in dependency order and torn down in
// reverse: control socket first (no new requests), then metrics, then the
// probes (links destroyed → programs unloaded).
class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> create(const Config& config);
  ~Daemon();

  // Blocks until SIGTERM/SIGINT (delivered through a signalfd).
  Result<void> run();

  [[nodiscard]] nlohmann::json status() const;

 private:
  explicit Daemon(Config config) : config_(std::move(config)) {}
  Result<void> start();
  // cgroup2, this netns, pods and trace identity: what the probes report into.
  Result<void> start_identity();
  // Every row of the probe table that --probes names; a failure is recorded
  // (status, doctor, seismo_probe_attached) and the daemon goes on.
  Result<void> start_probes();
  void start_scraper();
  Result<void> start_faults();
  Result<void> start_metrics_server(const metrics::ListenAddress& addr);
  Result<void> start_control_socket();
  void start_pod_watch();
  // Cluster mode (docs/cluster.md): NetworkFault objects applied to this
  // node's pods; needs the API server, the pod watch and the fault engine.
  Result<void> start_cluster();
  [[nodiscard]] nlohmann::json cluster_status() const;
  void register_methods();
  [[nodiscard]] std::vector<probes::ProbeStatus> probe_statuses() const;
  [[nodiscard]] nlohmann::json faults_status() const;
  // Sets up the Kubernetes watch when an API server is configured.
  Result<void> configure_pods();
  [[nodiscard]] nlohmann::json pods_status() const;
  [[nodiscard]] nlohmann::json trace_hold_status() const;
  [[nodiscard]] bool pods_enabled() const { return pod_watcher_ != nullptr; }
  [[nodiscard]] std::optional<pods::PodAttribution> pod_of_path(const std::string& path) const;
  [[nodiscard]] std::optional<pods::PodAttribution> pod_of_cgroup(uint64_t cgroup_id);

  Config config_;
  std::string cgroup_root_;
  // Pods: the store outlives the watcher (which writes it) and the tracker.
  pods::PodStore pod_store_;
  std::unique_ptr<pods::PodWatcher> pod_watcher_;
  std::string pods_reason_;  // why pods are off, when they are
  chaos::PodTargetResolver* pod_resolver_ = nullptr;  // owned by faults_
  std::unique_ptr<chaos::PodFaultFollower> pod_faults_;
  std::optional<pods::KubeClient> kube_client_;  // when an API server is configured
  // Cluster mode: the controller uses the engine actions and the publisher;
  // torn down before the engine (which then removes every fault).
  std::atomic<bool> cluster_stop_{false};
  std::unique_ptr<cluster::FaultEngineActions> cluster_engine_;
  std::unique_ptr<cluster::StatusPublisher> cluster_status_;
  std::unique_ptr<cluster::ClusterController> cluster_;
  std::string cluster_reason_;  // why cluster mode is off, when it is
  std::optional<net::Netns> own_netns_;
  events::EventHub hub_;
  std::unique_ptr<cgroup::CgroupResolver> resolver_;
  // Trace events' identity and the hold for pods not known yet; after hub_
  // (it publishes there), before the probes (their threads call it).
  std::unique_ptr<TracePublisher> traces_;
  // The probe table's rows that attached, in table order; torn down in reverse.
  std::vector<RunningProbe> probes_;
  std::vector<probes::ProbeStatus> failed_probes_;
  std::shared_ptr<metrics::Scraper> scraper_;
  std::unique_ptr<chaos::FaultEngine> faults_;
  std::string faults_reason_;  // why the fault engine is off, when it is
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  api::Router router_;
  std::unique_ptr<api::Server> server_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace seismo::daemon
