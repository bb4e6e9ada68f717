#pragma once

// The container settings of manifests/daemonset.yaml that decide what
// seismod may do on a node, read from the manifest itself so the image test
// runs the container the way the kubelet would and follows every change.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::testing {

struct HostPathMount {
  std::string host_path;       // volumes[].hostPath.path
  std::string container_path;  // volumeMounts[].mountPath
  bool read_only = false;
  std::string propagation;     // mountPropagation ("" = None)
};

struct DaemonSetSpec {
  // securityContext of the seismod container
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  bool allow_privilege_escalation = true;  // the Kubernetes default
  bool read_only_root = false;
  std::optional<long> run_as_user;
  std::string seccomp;   // securityContext.seccompProfile.type (container, else pod); "" = not set
  std::string apparmor;  // "unconfined", "runtime/default", "localhost/<p>"; "" = not set
  // pod spec
  bool host_pid = false;
  bool host_network = false;
  std::vector<HostPathMount> mounts;
  // what the container runs with
  std::vector<std::string> args;                        // as written, $(VAR) unexpanded
  std::map<std::string, std::string> field_ref_env;     // NAME -> fieldPath
  std::string memory_limit;                             // resources.limits.memory, e.g. 128Mi
  int metrics_port = 0;                                 // the port named by the probes
  std::string liveness_path;
  std::string readiness_path;

  static Result<DaemonSetSpec> load(const std::string& path);
};

// $(VAR) references in an argument replaced as the kubelet does.
std::string expand_kubelet_vars(const std::string& arg, const std::map<std::string, std::string>& env);

// A Kubernetes memory quantity (Mi, Gi, M, G or bytes) in bytes; 0 when bad.
unsigned long long memory_quantity_bytes(const std::string& quantity);

}  // namespace seismo::testing
