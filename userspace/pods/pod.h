#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace seismo::pods {

// One container of a pod as the API server reports it in status.
struct PodContainer {
  std::string name;
  std::string id;       // 64 hex without the "containerd://" scheme; empty until started
  std::string runtime;  // the scheme: "containerd", "cri-o", "docker"
};

// The parts of a Kubernetes Pod seismo uses (labels, identity, containers).
struct Pod {
  std::string uid;
  std::string namespace_name;
  std::string name;
  std::string node_name;
  std::string resource_version;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string phase;             // status.phase: Pending, Running, Succeeded, Failed, Unknown
  std::vector<std::string> ips;  // status.podIPs (status.podIP when podIPs is absent)
  int64_t created_unix = 0;      // metadata.creationTimestamp, seconds since the epoch
  bool host_network = false;     // spec.hostNetwork
  bool deleting = false;         // metadata.deletionTimestamp is set: terminating, never a candidate
  std::vector<PodContainer> containers;

  friend bool operator==(const Pod&, const Pod&) = default;
};

// The kubelet's annotation on a mirror pod: the static pod's config hash,
// which is the UID the static pod's cgroups carry (the mirror pod itself has
// another, API-assigned UID).
inline constexpr const char* kMirrorAnnotation = "kubernetes.io/config.mirror";

// The UID this pod's cgroups are named by: a mirror pod's static-pod hash
// (when the annotation holds a 32-hex hash), else metadata.uid.
std::string cgroup_uid(const Pod& pod);

inline bool operator==(const PodContainer& a, const PodContainer& b) {
  return a.name == b.name && a.id == b.id && a.runtime == b.runtime;
}

}  // namespace seismo::pods
