#include "metrics/pod_labeler.h"

#include <fmt/format.h>

#include <set>

#include "pods/cgroup_pod_parser.h"
#include "pods/label_selector.h"

namespace seismo::metrics {

namespace {
// kube-state-metrics' naming: "app.kubernetes.io/name" → "label_app_kubernetes_io_name".
std::string metric_label_name(const std::string& key) {
  std::string name = "label_";
  for (char ch : key) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    name += keep ? ch : '_';
  }
  return name;
}
}  // namespace

Result<std::vector<std::string>> pod_label_metric_names(const std::vector<std::string>& keys) {
  if (keys.size() > PodLabeler::kMaxPodLabelKeys)
    return fail_errno(EINVAL, fmt::format("--pod-label: {} keys given, at most {} (each widens every pod series)",
                                          keys.size(), PodLabeler::kMaxPodLabelKeys));
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& key : keys) {
    if (auto ok = pods::validate_label_key(key); !ok)
      return fail(std::move(ok).error().wrap(fmt::format("--pod-label '{}'", key)));
    std::string name = metric_label_name(key);
    if (!seen.insert(name).second)
      return fail_errno(EINVAL, fmt::format("--pod-label '{}': another key already maps to the metric label {}", key,
                                            name));
    names.push_back(std::move(name));
  }
  return names;
}

PodLabeler::PodLabeler(cgroup::CgroupResolver& resolver, const pods::PodStore& store,
                       std::vector<std::string> label_keys)
    : resolver_(resolver), store_(store), label_keys_(std::move(label_keys)) {
  for (const auto& key : label_keys_) label_names_.push_back(metric_label_name(key));
}

std::optional<PodLabeler::Identity> PodLabeler::identify(uint64_t cgroup_id) {
  auto path = resolver_.lookup(cgroup_id);
  if (!path) return std::nullopt;
  Identity id{*path, {}, {}, {}, {}, {}, {}};
  auto parsed = pods::parse_pod_cgroup(*path);
  if (!parsed) return id;  // not a pod's: its path only
  id.pod_uid = parsed->pod_uid;
  id.container_id = parsed->container_id;
  auto pod = store_.by_uid(parsed->pod_uid);
  if (!pod) return id;  // not known yet (or no API server): path and UID until the watch catches up
  id.namespace_name = pod->namespace_name;
  id.pod = pod->name;
  if (!id.container_id.empty())
    for (const auto& c : pod->containers)
      if (c.id == id.container_id) id.container = c.name;
  if (!label_keys_.empty()) id.pod_labels = std::move(pod->labels);
  return id;
}

std::optional<Labels> PodLabeler::labels(uint64_t cgroup_id) {
  auto id = identify(cgroup_id);
  if (!id) return std::nullopt;
  Labels out{{"cgroup", id->path},      {"namespace", id->namespace_name}, {"pod", id->pod},
                      {"container", id->container}, {"pod_uid", id->pod_uid},
                      {"container_id", id->container_id}};
  for (size_t i = 0; i < label_keys_.size(); ++i) {
    auto value = id->pod_labels.find(label_keys_[i]);
    out.push_back({label_names_[i], value == id->pod_labels.end() ? std::string() : value->second});
  }
  return out;
}

Labels PodLabeler::overflow_labels() const {
  Labels out{{"cgroup", kOverflowValue},
                      {"namespace", kOverflowValue},
                      {"pod", kOverflowValue},
                      {"container", kOverflowValue},
                      {"pod_uid", kOverflowValue},
                      {"container_id", kOverflowValue}};
  for (const auto& name : label_names_) out.push_back({name, kOverflowValue});
  return out;
}

std::optional<std::string> PodLabeler::name(uint64_t cgroup_id) {
  auto id = identify(cgroup_id);
  if (!id) return std::nullopt;
  if (id->pod.empty()) return id->path;
  std::string out = id->namespace_name + "/" + id->pod;
  if (!id->container.empty()) out += "/" + id->container;
  return out;
}

}  // namespace seismo::metrics
