#pragma once

#include <nlohmann/json.hpp>

#include "pods/pod.h"
#include "probes/dns_decode.h"
#include "probes/exec.h"
#include "probes/oom.h"
#include "probes/tcp.h"

namespace seismo::daemon {

class TracePublisher;

// The objects `seismo trace exec|tcp|oom` stream share one shape: every
// event has "kind", "monotonic_ns", "cgroup_id", "cgroup" (path or null),
// "pod_uid" and "container_id" (from the cgroup path: null outside a pod,
// and container_id null for the pod-level cgroup), "pid" and "comm" (null
// where the kernel context has no meaningful task, e.g. a retransmit from a
// timer), then kind-specific fields. With pods from the API server, an
// event of a known pod also has "namespace", "pod", "container" and "labels".

nlohmann::json exec_event_json(const probes::ExecEvent& ev, nlohmann::json cgroup_path);
nlohmann::json tcp_event_json(const probes::TcpEvent& ev, nlohmann::json cgroup_path);
nlohmann::json oom_event_json(const probes::OomEvent& ev, nlohmann::json cgroup_path);
// kind "dns": name, qtype, rcode (names), latency_ns, server, server_port,
// protocol, id; pid and comm null (the response arrives in softirq).
nlohmann::json dns_event_json(const probes::DnsEvent& ev, nlohmann::json cgroup_path);

// Sets "pod_uid" and "container_id" from the event's "cgroup" (kubelet's
// naming, systemd or cgroupfs driver); nulls when it is not a pod's.
void add_cgroup_owner(nlohmann::json& event);
// Sets "namespace", "pod", "container" (the name of the container whose id
// is the event's "container_id", else "") and "labels" from `pod`.
void add_pod_fields(nlohmann::json& event, const pods::Pod& pod);

// Publish on topic "exec" / "tcp" / "oom" / "dns", building the JSON only when a
// client listens. Run on the probes' ring buffer threads.
void publish_exec_event(TracePublisher& traces, const probes::ExecEvent& ev);
void publish_tcp_event(TracePublisher& traces, const probes::TcpEvent& ev);
void publish_oom_event(TracePublisher& traces, const probes::OomEvent& ev);
void publish_dns_event(TracePublisher& traces, const probes::DnsEvent& ev);

}  // namespace seismo::daemon
