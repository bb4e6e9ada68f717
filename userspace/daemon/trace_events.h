#pragma once

#include <cstdint>
#include <mutex>

#include <nlohmann/json.hpp>

#include "cgroup/cgroup_resolver.h"
#include "events/event_hub.h"
#include "probes/oom.h"
#include "probes/tcp.h"

namespace seismo::daemon {

// The objects `seismo trace exec|tcp|oom` stream share one shape: every
// event has "kind", "monotonic_ns", "cgroup_id", "cgroup" (path or null),
// "pid" and "comm" (null where the kernel context has no meaningful task,
// e.g. a retransmit from a timer), then kind-specific fields.

// The cgroup's path for a trace event (null when it is already gone).
// Runs on ring buffer threads; the resolver is shared under `mutex`.
nlohmann::json trace_cgroup_path(cgroup::CgroupResolver& resolver, std::mutex& mutex, uint64_t cgroup_id);

nlohmann::json tcp_event_json(const probes::TcpEvent& ev, nlohmann::json cgroup_path);
nlohmann::json oom_event_json(const probes::OomEvent& ev, nlohmann::json cgroup_path);

// Publish on topic "tcp" / "oom", building the JSON only when a client listens.
void publish_tcp_event(events::EventHub& hub, cgroup::CgroupResolver& resolver, std::mutex& mutex,
                       const probes::TcpEvent& ev);
void publish_oom_event(events::EventHub& hub, cgroup::CgroupResolver& resolver, std::mutex& mutex,
                       const probes::OomEvent& ev);

}  // namespace seismo::daemon
