#include "pods/pod_attribution.h"

#include <cerrno>

#include <nlohmann/json.hpp>

#include "pods/cgroup_pod_parser.h"

namespace seismo::pods {

std::optional<PodAttribution> attribute_cgroup(const PodStore& store, std::string_view cgroup_path) {
  auto parsed = parse_pod_cgroup(cgroup_path);
  if (!parsed) return std::nullopt;
  auto pod = store.by_uid(parsed->pod_uid);
  if (!pod) return std::nullopt;
  PodAttribution out{std::move(*pod), {}};
  if (!parsed->container_id.empty())
    for (const auto& c : out.pod.containers)
      if (c.id == parsed->container_id) out.container = c.name;
  return out;
}

Result<PodFilter> PodFilter::from_params(const nlohmann::json& params) {
  PodFilter f;
  auto text = [&](const char* key, std::string& out) -> Result<void> {
    auto it = params.find(key);
    if (it == params.end() || it->is_null()) return {};
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 253)
      return fail_errno(EINVAL, std::string("field '") + key + "': must be a string of at most 253 characters");
    out = it->get<std::string>();
    return {};
  };
  if (auto r = text("namespace", f.namespace_name); !r) return fail(std::move(r).error());
  if (auto r = text("pod", f.pod); !r) return fail(std::move(r).error());
  std::string selector;
  if (auto r = text("selector", selector); !r) return fail(std::move(r).error());
  if (!selector.empty()) {
    auto parsed = LabelSelector::parse(selector);
    if (!parsed) return fail_errno(EINVAL, "field 'selector': " + parsed.error().message());
    f.labels = std::move(*parsed);
  }
  return f;
}

bool PodFilter::matches(const Pod& p) const {
  if (!namespace_name.empty() && p.namespace_name != namespace_name) return false;
  if (!pod.empty() && p.name != pod) return false;
  return labels.matches(p.labels);
}

}  // namespace seismo::pods
