#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace seismo::pods {

enum class QosClass { guaranteed, burstable, besteffort };
enum class ContainerRuntime { none, containerd, crio, docker, unknown };

[[nodiscard]] std::string_view to_string(QosClass qos);
[[nodiscard]] std::string_view to_string(ContainerRuntime runtime);

// What a kubelet-created cgroup path says about its owner. container_id is
// empty for the pod-level cgroup (and for CRI-O's conmon scope, which lives
// in the pod but is not a container).
struct PodCgroup {
  std::string pod_uid;  // normalised: lowercase, dashes (systemd writes '_')
  QosClass qos = QosClass::guaranteed;
  std::string container_id;  // 64 lowercase hex, or empty
  ContainerRuntime runtime = ContainerRuntime::none;
};

// Parses a cgroup path (v2 or a v1/hybrid controller path, with any prefix
// such as /sys/fs/cgroup or a kind node's /docker/<id>) written by kubelet's
// systemd or cgroupfs driver. Anything else (system services, QoS-level
// slices, garbage) is an error whose message starts with "not a pod cgroup".
[[nodiscard]] Result<PodCgroup> parse_pod_cgroup(std::string_view path);

// Normalises a pod UID as found in a cgroup path ("_" → "-") and checks it
// is a UUID (8-4-4-4-12 hex) or a 32-hex static-pod hash.
[[nodiscard]] Result<std::string> normalise_pod_uid(std::string_view raw);

}  // namespace seismo::pods
