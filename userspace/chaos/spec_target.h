#pragma once

// What a fault applies to, read from its spec: `target` (netns, pid or
// cgroup, and the interface) or a pod `selector`. Errors name the field.

#include <nlohmann/json.hpp>

#include "chaos/fault_spec.h"
#include "common/result.h"

namespace seismo::chaos {

// The `target` object: exactly one of netns, pid, cgroup; optional
// interface and host_network.
Result<TargetSpec> parse_target(const nlohmann::json& t);
// The `selector` object (Chaos Mesh's): namespaces, labelSelectors, pods;
// at least one of them.
Result<PodSelectorSpec> parse_selector(const nlohmann::json& sel);

}  // namespace seismo::chaos
