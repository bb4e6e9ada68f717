#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace seismo::fakes {

// One resource type the fake serves: a built-in (group "") or a custom
// resource. Any number can be registered; pods and NetworkFault are given.
struct KubeResource {
  std::string group;  // "" for the core group (/api/v1)
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;
  // A CRD with `subresources.status`: a write to the main resource keeps the
  // old status, a write to /status keeps everything but status
  // (apiextensions-apiserver pkg/registry/customresource/strategy.go).
  bool status_subresource = true;
  // metadata.generation starts at 1 and is bumped when anything but
  // metadata and status changes (the same strategy.go PrepareForUpdate).
  bool tracks_generation = true;
  // Field selector labels besides metadata.name and metadata.namespace
  // (pods: pkg/apis/core/v1/conversion.go AddFieldLabelConversionsForPod).
  std::vector<std::string> field_labels;
  // Lists merged by key under server-side apply (x-kubernetes-list-type:
  // map + x-kubernetes-list-map-keys), by dotted path: "status.nodes" ->
  // {"node"}. Every other list is atomic, as for a CRD schema without a
  // list type.
  std::map<std::string, std::vector<std::string>> list_map_keys;

  [[nodiscard]] std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  [[nodiscard]] std::string id() const { return group + "/" + version + "/" + plural; }
  // "pods", "networkfaults.seismo.dev": how messages name the resource.
  [[nodiscard]] std::string qualified() const { return group.empty() ? plural : plural + "." + group; }

  // core/v1 pods: no status subresource behaviour (the fake lets a PUT set
  // status, as tests build pods whole), no generation.
  static KubeResource pods();
  // seismo.dev/v1alpha1 networkfaults, status.nodes a list-map keyed by node,
  // status.conditions keyed by type.
  static KubeResource network_faults();
  // core/v1 nodes: cluster-scoped (nodeSelectors read their labels).
  static KubeResource nodes();
};

inline KubeResource KubeResource::pods() {
  KubeResource r{"", "v1", "pods", "Pod", true, false, false, {}, {}};
  r.field_labels = {"spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                    "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
  return r;
}

inline KubeResource KubeResource::network_faults() {
  KubeResource r{"seismo.dev", "v1alpha1", "networkfaults", "NetworkFault", true, true, true, {}, {}};
  r.list_map_keys = {{"status.nodes", {"node"}}, {"status.conditions", {"type"}}};
  return r;
}

// Field labels: pkg/apis/core/v1/conversion.go AddFieldLabelConversionsForNode.
inline KubeResource KubeResource::nodes() {
  KubeResource r{"", "v1", "nodes", "Node", false, false, false, {}, {}};
  r.field_labels = {"spec.unschedulable"};
  return r;
}

}  // namespace seismo::fakes
