#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "pods/pod.h"

namespace seismo::pods {

// Converts a v1 Pod object from the API server. Required: metadata.uid,
// metadata.name, metadata.namespace, metadata.resourceVersion (strings).
// Optional but type-checked: metadata.labels and metadata.annotations (string
// maps), metadata.creationTimestamp (RFC 3339), metadata.deletionTimestamp
// (RFC 3339; present means `deleting`), spec.nodeName, spec.hostNetwork
// (boolean), status.phase (a word), status.podIPs[].ip (at most 8 IPv4/IPv6
// addresses; status.podIP when podIPs is absent or empty),
// status.{initC,c,ephemeralC}ontainerStatuses[].{name,containerID}.
// Errors name the field: "field 'metadata.uid': missing or not a string".
[[nodiscard]] Result<Pod> pod_from_json(const nlohmann::json& object);

// "containerd://<64hex>" → {runtime "containerd", id}; empty input is a
// container that has not started yet.
[[nodiscard]] Result<PodContainer> container_from_status(const std::string& name, const std::string& container_id);

// An RFC 3339 time as the API server writes it ("2026-11-29T04:00:00Z";
// fractional seconds and ±hh:mm offsets accepted) → seconds since the epoch
// (fractions dropped). Errors say what is wrong with the text.
[[nodiscard]] Result<int64_t> parse_rfc3339(std::string_view text);

}  // namespace seismo::pods
