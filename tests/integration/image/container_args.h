#pragma once

// `podman run` arguments that give a container what the kubelet would give
// the DaemonSet's pod: the same capabilities, security options, host paths,
// PID namespace, memory limit, environment and arguments.

#include <map>
#include <string>
#include <vector>

#include "image/daemonset_spec.h"

namespace seismo::testing {

struct ContainerPlan {
  std::string name;
  std::string image;
  std::string node_name;  // the downward API's spec.nodeName
  // The pod's network namespace (hostNetwork: false): a path podman joins.
  std::string netns_path;
  // hostPath -> directory used instead (a private bpffs, a private run dir),
  // so a test shares no pinned state or socket with the machine's seismod.
  std::map<std::string, std::string> host_path_override;
  // Extra seismod arguments after the manifest's.
  std::vector<std::string> extra_args;
};

// Errors name the setting the mapping does not know (a new manifest field
// must be taught here, not silently dropped).
Result<std::vector<std::string>> podman_run_args(const DaemonSetSpec& spec, const ContainerPlan& plan);

}  // namespace seismo::testing
