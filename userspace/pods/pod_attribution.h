#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "pods/label_selector.h"
#include "pods/pod_store.h"

namespace seismo::pods {

// The pod (and container name, empty for the pod-level cgroup) a cgroup
// path belongs to, when the path is kubelet's and the pod is in the store.
struct PodAttribution {
  Pod pod;
  std::string container;
};
[[nodiscard]] std::optional<PodAttribution> attribute_cgroup(const PodStore& store, std::string_view cgroup_path);

// `-n NS -l SELECTOR --pod NAME` as control-request params "namespace",
// "selector", "pod" (all optional; empty matches every pod).
struct PodFilter {
  std::string namespace_name;
  LabelSelector labels;
  std::string pod;

  // Reads the three fields when present; errors name the field.
  static Result<PodFilter> from_params(const nlohmann::json& params);
  [[nodiscard]] bool active() const { return !namespace_name.empty() || !labels.empty() || !pod.empty(); }
  [[nodiscard]] bool matches(const Pod& p) const;
};

}  // namespace seismo::pods
