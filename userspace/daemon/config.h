#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"

namespace seismo::daemon {

// Every probe family's name, in the probe table's order (daemon/probe_table.cpp).
std::vector<std::string> probe_names();

struct Config {
  std::string metrics_address = "127.0.0.1:9477";
  std::string socket_path = "/run/seismo/seismod.sock";
  std::string socket_group;  // empty: root only (0600)
  size_t series_limit = 10000;
  std::string syscall_mode = "full";  // "full" or "count"
  uint32_t map_entries = 10240;
  std::string hook_flavour = "auto";  // "auto", "tp_btf" or "raw_tp"
  std::string cgroup_root;  // empty: the cgroup2 mount from /proc/self/mountinfo
  // Probe families to load; one that cannot load is reported and skipped.
  std::vector<std::string> probes = probe_names();
  std::string net_cgroup;   // cgroup the cgroup_skb programs attach to; empty: the cgroup2 root
  bool faults = true;                               // network fault engine (docs/faults.md)
  std::string bpffs = "/sys/fs/bpf";                // mounted when missing; pins under seismo/chaos
  std::string fault_state = "/run/seismo/faults.json";
  // Pods (docs/pods.md): this node's name (default: $NODE_NAME) and how to
  // reach the API server: --kubeconfig, else in-cluster when
  // KUBERNETES_SERVICE_HOST is set. Neither: cgroup path labels only.
  std::string node_name;
  std::string kubeconfig;
  // Pod label keys exported as `label_<key>` metric labels (bounded; see
  // metrics::PodLabeler). Validated at parse time.
  std::vector<std::string> pod_labels;
  // Cluster mode (docs/cluster.md): apply NetworkFault objects to this
  // node's pods. --cluster-faults / --no-cluster-faults; unset: on when an
  // API server is configured and the fault engine runs.
  std::optional<bool> cluster_faults;
  log::Level log_level = log::Level::info;
};

// Parses argv. On --help/--version prints and returns exit_code set.
struct ParseOutcome {
  Config config;
  std::optional<int> exit_code;  // set when main should exit right away
};
ParseOutcome parse_args(int argc, char** argv);

}  // namespace seismo::daemon
