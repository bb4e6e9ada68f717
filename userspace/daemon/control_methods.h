#pragma once

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "api/router.h"
#include "cgroup/cgroup_resolver.h"
#include "common/result.h"
#include "events/event_hub.h"
#include "metrics/scraper.h"
#include "probes/exec.h"

namespace seismo::daemon {

// Control-method bodies that need no Daemon internals, kept testable.

// `top`: cumulative per-cgroup totals and a monotonic timestamp; the CLI
// turns two snapshots into rates. params: {"limit": N (optional)}.
Result<nlohmann::json> top_snapshot(const metrics::Scraper& scraper, const nlohmann::json& params);

// `trace.*` params: {"cgroup": "/path/prefix" (optional)}.
Result<void> validate_trace_params(const nlohmann::json& params);

// Forwards hub events of `topic` to a stream until the client leaves.
void stream_topic(events::EventHub& hub, const std::string& topic, const nlohmann::json& params,
                  api::StreamSink& sink);

// Runs on the exec ring buffer thread: builds the JSON event only when a
// `seismo trace exec` client listens.
void publish_exec_event(events::EventHub& hub, cgroup::CgroupResolver& resolver, std::mutex& resolver_mutex,
                        const probes::ExecEvent& ev);

Result<gid_t> lookup_group(const std::string& name);

}  // namespace seismo::daemon
