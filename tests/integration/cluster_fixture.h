#pragma once

// ClusterLab: a Kubernetes cluster of N nodes on one machine, for the
// cluster-mode tests and benchmark (docs/cluster.md). One stateful fake API
// server in this process; one seismod per node, each with its own
// --node-name (unique per run), bpffs, fault state file, control socket,
// metrics port and kubeconfig (its own bearer token, so the fake counts each
// node's requests apart); pods as network namespaces spread over the nodes.
//
// How a seismod finds its own pods: it watches the Pods whose spec.nodeName
// is its name, then finds each pod's netns through the pod's cgroup
// (kubepods-…-pod<uid>.slice, so the cgroup must carry the UID the API
// server gave the Pod) and a process in it, and the pod's eth0 there. The
// cgroups and namespaces of every node share one machine, and a seismod only
// ever looks up the UIDs of its own node's pods, so the nodes share one
// kubepods tree and one "node" namespace holding every pod's host-side veth
// (10.201.<i>.1, the pod 10.201.<i>.2). The node namespace forwards and each
// pod routes 10.201.0.0/16 through its node side, so pods reach each other
// (the target tests send pod to pod). A pod is made the way kubelet does:
// the Pod is created (Pending, on its node), then the sandbox (cgroup, netns,
// process) under the UID the API server assigned, then status Running with
// podIP/podIPs and the container's id.
//
// No GoogleTest here (the benchmark links it too): errors are Results.
// Everything is under unique names and removed by the destructor, also when
// a test fails part-way: seismods first (SIGTERM, which removes their
// faults; SIGKILL if that hangs), then the pods, then the fake.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos_support.h"
#include "common/result.h"
#include "fake_kube_api.h"
#include "pod_probe.h"
#include "pods_support.h"
#include "support/seismod_process.h"

namespace seismo::testing {

struct ClusterPod {
  std::string namespace_name;
  std::string name;
  std::map<std::string, std::string> labels;
  std::size_t node = 0;  // index into the lab's nodes
  std::string uid;       // metadata.uid from the API server
  std::unique_ptr<FakePod> sandbox;
  std::optional<PodProbe> probe;
  std::string tc_before;  // eth0's tc state before any fault

  [[nodiscard]] std::string key() const { return namespace_name + "/" + name; }
};

class ClusterLab {
 public:
  struct Options {
    std::size_t nodes = 3;
    // Added to every seismod's command line (e.g. "--cluster-faults").
    std::vector<std::string> daemon_args;
  };
  static Result<std::unique_ptr<ClusterLab>> create(Options options);
  ~ClusterLab();
  ClusterLab(const ClusterLab&) = delete;
  ClusterLab& operator=(const ClusterLab&) = delete;

  // --- nodes --------------------------------------------------------------
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] const std::string& node_name(std::size_t i) const { return nodes_.at(i).name; }
  // Starts the node's seismod and waits until it has listed its pods (and,
  // when its status reports cluster mode, the NetworkFaults).
  Result<void> start_node(std::size_t i, std::chrono::seconds sync_timeout = std::chrono::seconds(30));
  // SIGTERM and wait: the exit status.
  Result<int> stop_node(std::size_t i);
  // Stops every running node (SIGTERM, each waited for); an error naming
  // each node that did not exit 0 (with its log). The tests' teardown.
  Result<void> stop_all();
  // SIGKILL: nothing is cleaned up (the kernel state stays).
  void kill_node(std::size_t i);
  [[nodiscard]] bool node_running(std::size_t i) const { return nodes_.at(i).daemon.has_value(); }
  [[nodiscard]] std::string node_log(std::size_t i) const;
  // Every running node's log, for failure messages.
  [[nodiscard]] std::string logs() const;
  // A control-socket call; {"error": …} when it fails.
  nlohmann::json call(std::size_t i, const std::string& method,
                      const nlohmann::json& params = nlohmann::json::object()) const;
  // Requests the node's seismod made to the API server so far.
  [[nodiscard]] std::size_t api_requests_of(std::size_t i) const;
  // Engine faults of the node (fault.ls) whose name starts with `prefix`.
  [[nodiscard]] std::vector<std::string> engine_faults(std::size_t i, const std::string& prefix = "nf-") const;

  // --- API server ---------------------------------------------------------
  [[nodiscard]] fakes::FakeKubeApi& api() { return *api_; }
  void stop_api() { api_->stop_serving(); }
  Result<void> restart_api() { return api_->resume_serving(); }

  // --- pods ---------------------------------------------------------------
  Result<ClusterPod*> add_pod(std::size_t node, const std::string& name, std::map<std::string, std::string> labels,
                              const std::string& ns = "shop");
  // Deletes the Pod from the API, then its sandbox (what kubelet does).
  Result<void> delete_pod(const std::string& ns, const std::string& name);
  [[nodiscard]] const std::vector<std::unique_ptr<ClusterPod>>& pods() const { return pods_; }
  [[nodiscard]] ClusterPod* pod(const std::string& name) const;
  // The Pod objects as the API server holds them now.
  Result<std::vector<nlohmann::json>> pod_objects() const;

  // --- NetworkFaults (seismo.dev/v1alpha1), through HTTP like kubectl ------
  // The created object (with its uid and creationTimestamp).
  Result<nlohmann::json> create_fault(const nlohmann::json& object);
  Result<nlohmann::json> get_fault(const std::string& ns, const std::string& name) const;
  Result<nlohmann::json> patch_fault(const std::string& ns, const std::string& name, const nlohmann::json& merge);
  Result<void> delete_fault(const std::string& ns, const std::string& name);
  // status.nodes[] entry of `node`, or null.
  [[nodiscard]] static nlohmann::json node_entry(const nlohmann::json& fault, const std::string& node);
  // A NetworkFault object: loss 100% `to` the pods of `selector`.
  [[nodiscard]] static nlohmann::json loss_fault(const std::string& ns, const std::string& name,
                                                 const nlohmann::json& selector, const std::string& mode,
                                                 const std::string& value, const std::string& duration);

  // --- traffic ------------------------------------------------------------
  // Keys ("ns/name") of the pods none of whose `count` datagrams arrived,
  // sorted. A 100% loss fault makes this exact: a hit pod delivers 0, any
  // other all of them.
  [[nodiscard]] std::vector<std::string> silenced(int count = 3) const;
  [[nodiscard]] std::vector<PodProbe*> probes(const std::vector<ClusterPod*>& which) const;
  // Datagrams from `from`'s netns to `to`'s pod IP (a port of its own in
  // `to`): the egress of `from`'s eth0 and the ingress of `to`'s. Close
  // it before deleting either pod.
  Result<PodProbe> probe_between(const ClusterPod& from, const ClusterPod& to);

  // --- leftovers ----------------------------------------------------------
  // "" when every pod's eth0 has the tc state it had before any fault and
  // no stopped node left pins in its bpffs; else what is left.
  [[nodiscard]] std::string leftovers() const;

 private:
  struct Node {
    std::string name;
    std::string token;
    std::string kubeconfig;
    std::optional<TempBpffs> fs;
    std::optional<SeismodProcess> daemon;
  };
  ClusterLab() = default;
  Result<void> add_node(std::size_t i, const std::string& run_id);
  Result<nlohmann::json> mark_running(const ClusterPod& pod);

  std::vector<std::string> daemon_args_;
  std::unique_ptr<fakes::FakeKubeApi> api_;
  std::optional<TestNetns> node_netns_;
  std::optional<KubepodsTree> tree_;
  std::vector<Node> nodes_;
  std::vector<std::unique_ptr<ClusterPod>> pods_;
  int next_index_ = 1;
  uint16_t next_port_ = 41000;  // pod-to-pod probes; the node-side ones use 40000
};

// --- reading a NetworkFault object ---------------------------------------
// metadata.creationTimestamp ("2026-11-29T04:00:00Z") as seconds since the epoch (0 when unreadable).
[[nodiscard]] int64_t created_unix(const nlohmann::json& object);
// status.nodes, or an empty list while there is none (a status may hold only the summary so far).
[[nodiscard]] nlohmann::json status_nodes(const nlohmann::json& fault);
// A status.nodes[] entry's counters.<name>, or -1.
[[nodiscard]] int64_t entry_counter(const nlohmann::json& entry, const char* name);
// A status.nodes[] entry's pods, sorted.
[[nodiscard]] std::vector<std::string> entry_pods(const nlohmann::json& entry);

// Polls `pred` every 20 ms until it holds or `timeout` passes.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace seismo::testing
