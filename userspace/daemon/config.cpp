#include "daemon/config.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "common/version.h"
#include "metrics/pod_labeler.h"

namespace seismo::daemon {

ParseOutcome parse_args(int argc, char** argv) {
  ParseOutcome out;
  Config& c = out.config;
  CLI::App app{"seismod: eBPF observability and network fault injection for Kubernetes nodes"};
  app.set_version_flag("--version", "seismod " + build_version());
  app.add_option("--metrics-address", c.metrics_address, "HOST:PORT serving /metrics and /healthz; bind one address (e.g. 127.0.0.1 or the pod IP) to restrict who "
                 "can reach it")->capture_default_str();
  app.add_option("--socket", c.socket_path, "Control socket path")->capture_default_str();
  app.add_option("--socket-group", c.socket_group,
                 "Group allowed to use read-only control methods (socket mode 0660); default root only");
  app.add_option("--series-limit", c.series_limit, "Most per-cgroup series exported before folding into __overflow__")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  app.add_option("--syscall-mode", c.syscall_mode,
                 "full: calls, errors and latency (sys_enter+sys_exit); count: calls and errors (sys_exit only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "count"}));
  app.add_option("--map-entries", c.map_entries, "Rows per in-kernel stats map ((cgroup, syscall) pairs)")
      ->capture_default_str()
      ->check(CLI::Range(uint32_t{64}, uint32_t{1} << 22));
  app.add_option("--hook-flavour", c.hook_flavour,
                 "Tracepoint program flavour: auto (tp_btf, else raw_tp), tp_btf or raw_tp")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "tp_btf", "raw_tp"}));
  app.add_option("--cgroup-root", c.cgroup_root, "cgroup2 mount to resolve cgroup ids (default: from mountinfo)");
  app.add_option("--probes", c.probes, "Probe families to load (comma-separated)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember(probe_names()));
  app.add_option("--net-cgroup", c.net_cgroup,
                 "cgroup2 directory the network programs attach to (default: the cgroup2 root, which sees every "
                 "socket)");
  app.add_option("--faults", c.faults, "Network fault engine on or off")->capture_default_str();
  app.add_option("--bpffs", c.bpffs, "BPF filesystem for pinned fault state (mounted if missing)")
      ->capture_default_str();
  app.add_option("--fault-state", c.fault_state, "Fault engine state file (restart reconciliation)")
      ->capture_default_str();
  if (const char* env = std::getenv("NODE_NAME")) c.node_name = env;
  app.add_option("--node-name", c.node_name,
                 "This node's Kubernetes name: only its pods are watched (default: $NODE_NAME)");
  app.add_option("--kubeconfig", c.kubeconfig,
                 "kubeconfig file for the API server (default: in-cluster config when KUBERNETES_SERVICE_HOST is set)")
      ->check(CLI::ExistingFile);
  app.add_option("--pod-label", c.pod_labels,
                 "Pod label key to export as metric label label_<key> (repeatable, at most 8; needs pods)");
  bool cluster_faults = false;
  auto* cluster_flag =
      app.add_flag("--cluster-faults,!--no-cluster-faults", cluster_faults,
                   "Apply NetworkFault objects (seismo.dev/v1alpha1) to this node's pods (default: on when an API "
                   "server is configured and the fault engine runs; docs/cluster.md)");
  std::string level = "info";
  app.add_option("--log-level", level, "debug, info, warn or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out.exit_code = app.exit(e);
    return out;
  } catch (const CLI::CallForVersion& e) {
    out.exit_code = app.exit(e);
    return out;
  } catch (const CLI::ParseError& e) {
    std::cerr << "seismod: " << e.what() << " (see --help)\n";
    out.exit_code = 2;
    return out;
  }
  if (auto names = metrics::pod_label_metric_names(c.pod_labels); !names) {
    std::cerr << "seismod: " << names.error().message() << " (see --help)\n";
    out.exit_code = 2;
    return out;
  }
  if (cluster_flag->count() > 0) c.cluster_faults = cluster_faults;
  log::parse_level(level, c.log_level);
  return out;
}

}  // namespace seismo::daemon
