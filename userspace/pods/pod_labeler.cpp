#include "pods/pod_labeler.h"

#include "pods/pod_attribution.h"

namespace seismo::pods {

std::optional<PodLabeler::Identity> PodLabeler::identify(uint64_t cgroup_id) {
  auto path = resolver_.lookup(cgroup_id);
  if (!path) return std::nullopt;
  Identity id{*path, {}, {}, {}};
  auto owner = attribute_cgroup(store_, *path);
  if (!owner) return id;  // not a pod's, or not known yet: keeps its path until the watch catches up
  id.namespace_name = owner->pod.namespace_name;
  id.pod = owner->pod.name;
  id.container = owner->container;
  return id;
}

std::optional<metrics::Labels> PodLabeler::labels(uint64_t cgroup_id) {
  auto id = identify(cgroup_id);
  if (!id) return std::nullopt;
  return metrics::Labels{{"cgroup", id->path}, {"namespace", id->namespace_name}, {"pod", id->pod},
                         {"container", id->container}};
}

metrics::Labels PodLabeler::overflow_labels() const {
  return {{"cgroup", metrics::kOverflowValue},
          {"namespace", metrics::kOverflowValue},
          {"pod", metrics::kOverflowValue},
          {"container", metrics::kOverflowValue}};
}

std::optional<std::string> PodLabeler::name(uint64_t cgroup_id) {
  auto id = identify(cgroup_id);
  if (!id) return std::nullopt;
  if (id->pod.empty()) return id->path;
  std::string out = id->namespace_name + "/" + id->pod;
  if (!id->container.empty()) out += "/" + id->container;
  return out;
}

}  // namespace seismo::pods
