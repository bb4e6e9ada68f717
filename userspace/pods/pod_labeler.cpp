#include "pods/pod_labeler.h"

#include "pods/cgroup_pod_parser.h"

namespace seismo::pods {

std::optional<PodLabeler::Identity> PodLabeler::identify(uint64_t cgroup_id) {
  auto path = resolver_.lookup(cgroup_id);
  if (!path) return std::nullopt;
  Identity id{*path, {}, {}, {}};
  auto parsed = parse_pod_cgroup(*path);
  if (!parsed) return id;
  auto pod = store_.by_uid(parsed->pod_uid);
  if (!pod) return id;  // not known yet: keeps its path until the watch catches up
  id.namespace_name = pod->namespace_name;
  id.pod = pod->name;
  for (const auto& c : pod->containers) {
    if (!parsed->container_id.empty() && c.id == parsed->container_id) id.container = c.name;
  }
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
