#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/router.h"
#include "common/result.h"
#include "events/event_hub.h"
#include "metrics/scraper.h"
#include "pods/pod_attribution.h"

namespace seismo::daemon {

// Control-method bodies that need no Daemon internals, kept testable.

// Pod filters (-n, -l, --pod) run in the daemon: only it knows which pod a
// cgroup belongs to, and filtering there keeps unwanted rows and events off
// the socket. Empty lookups mean pods are off (no API server).
using PodOfCgroupId = std::function<std::optional<pods::PodAttribution>(uint64_t cgroup_id)>;

// `top`: cumulative per-cgroup totals and a monotonic timestamp; the CLI
// turns two snapshots into rates. params: {"limit": N, "namespace",
// "selector", "pod" (all optional)}. Rows of pods carry namespace/pod/container.
Result<nlohmann::json> top_snapshot(const metrics::Scraper& scraper, const nlohmann::json& params,
                                    const PodOfCgroupId& pod_of = {});

// `trace.*` params: {"cgroup": "/path/prefix", "namespace", "selector",
// "pod" (all optional)}; pod filters only when `pods_enabled`.
Result<void> validate_trace_params(const nlohmann::json& params, bool pods_enabled = false);

// Forwards hub events of `topic` to a stream until the client leaves,
// keeping those under the "cgroup" prefix and, with pods on, of the pods
// the filter selects (by the fields joined when the event was published).
void stream_topic(events::EventHub& hub, const std::string& topic, const nlohmann::json& params,
                  api::StreamSink& sink, bool pods_enabled = false);

Result<gid_t> lookup_group(const std::string& name);

}  // namespace seismo::daemon
