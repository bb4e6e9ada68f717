#pragma once

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "pods/pod.h"

namespace seismo::pods {

// Converts a v1 Pod object from the API server. Required: metadata.uid,
// metadata.name, metadata.namespace, metadata.resourceVersion (strings).
// Optional but type-checked: metadata.labels (string map), spec.nodeName,
// status.{initC,c,ephemeralC}ontainerStatuses[].{name,containerID}.
// Errors name the field: "field 'metadata.uid': missing or not a string".
[[nodiscard]] Result<Pod> pod_from_json(const nlohmann::json& object);

// "containerd://<64hex>" → {runtime "containerd", id}; empty input is a
// container that has not started yet.
[[nodiscard]] Result<PodContainer> container_from_status(const std::string& name, const std::string& container_id);

}  // namespace seismo::pods
