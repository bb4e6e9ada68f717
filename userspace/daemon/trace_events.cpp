#include "daemon/trace_events.h"

#include "daemon/trace_publisher.h"
#include "pods/cgroup_pod_parser.h"

namespace seismo::daemon {

using nlohmann::json;

json exec_event_json(const probes::ExecEvent& ev, json cgroup_path) {
  return json{{"kind", "exec"},
              {"monotonic_ns", ev.ts_ns},
              {"cgroup_id", ev.cgroup_id},
              {"cgroup", std::move(cgroup_path)},
              {"pid", ev.pid},
              {"comm", ev.comm},
              {"ppid", ev.ppid},
              {"filename", ev.filename}};
}

json tcp_event_json(const probes::TcpEvent& ev, json cgroup_path) {
  return json{{"kind", probes::tcp_event_kind_name(ev.kind)},
              {"monotonic_ns", ev.ts_ns},
              {"cgroup_id", ev.cgroup_id},
              {"cgroup", std::move(cgroup_path)},
              {"pid", nullptr},  // softirq/timer context: no owning task
              {"comm", nullptr},
              {"family", ev.family},
              {"saddr", ev.saddr},
              {"sport", ev.sport},
              {"daddr", ev.daddr},
              {"dport", ev.dport},
              {"state", probes::tcp_state_name(ev.state)}};
}

json oom_event_json(const probes::OomEvent& ev, json cgroup_path) {
  return json{{"kind", "oom_kill"},
              {"monotonic_ns", ev.ts_ns},
              {"cgroup_id", ev.cgroup_id},
              {"cgroup", std::move(cgroup_path)},
              {"pid", ev.pid},
              {"comm", ev.comm},
              {"tid", ev.tid},
              {"uid", ev.uid},
              {"trigger_pid", ev.trigger_pid},
              {"oom_score_adj", ev.oom_score_adj},
              {"total_vm_kb", ev.total_vm_kb},
              {"anon_rss_kb", ev.anon_rss_kb},
              {"file_rss_kb", ev.file_rss_kb},
              {"shmem_rss_kb", ev.shmem_rss_kb},
              {"pgtables_kb", ev.pgtables_kb}};
}

json dns_event_json(const probes::DnsEvent& ev, json cgroup_path) {
  return json{{"kind", "dns"},
              {"monotonic_ns", ev.ts_ns},
              {"cgroup_id", ev.cgroup_id},
              {"cgroup", std::move(cgroup_path)},
              {"pid", nullptr},  // the response arrives in softirq: no owning task
              {"comm", nullptr},
              {"name", ev.name},
              {"qtype", probes::dns_qtype_name(ev.qtype)},
              {"rcode", probes::dns_rcode_name(ev.rcode)},
              {"latency_ns", ev.latency_ns},
              {"server", ev.server},
              {"server_port", ev.server_port},
              {"protocol", ev.protocol},
              {"id", ev.id}};
}

void add_cgroup_owner(json& event) {
  event["pod_uid"] = nullptr;
  event["container_id"] = nullptr;
  auto cg = event.find("cgroup");
  if (cg == event.end() || !cg->is_string()) return;
  auto owner = pods::parse_pod_cgroup(cg->get_ref<const std::string&>());
  if (!owner) return;
  event["pod_uid"] = owner->pod_uid;
  if (!owner->container_id.empty()) event["container_id"] = owner->container_id;
}

void add_pod_fields(json& event, const pods::Pod& pod) {
  event["namespace"] = pod.namespace_name;
  event["pod"] = pod.name;
  std::string container;
  auto id = event.find("container_id");
  if (id != event.end() && id->is_string())
    for (const auto& c : pod.containers)
      if (c.id == id->get_ref<const std::string&>()) container = c.name;
  event["container"] = std::move(container);
  event["labels"] = pod.labels;
}

void publish_exec_event(TracePublisher& traces, const probes::ExecEvent& ev) {
  if (!traces.wants("exec")) return;
  traces.publish("exec", exec_event_json(ev, traces.cgroup_path(ev.cgroup_id)));
}

void publish_tcp_event(TracePublisher& traces, const probes::TcpEvent& ev) {
  if (!traces.wants("tcp")) return;
  traces.publish("tcp", tcp_event_json(ev, traces.cgroup_path(ev.cgroup_id)));
}

void publish_oom_event(TracePublisher& traces, const probes::OomEvent& ev) {
  if (!traces.wants("oom")) return;
  traces.publish("oom", oom_event_json(ev, traces.cgroup_path(ev.cgroup_id)));
}

void publish_dns_event(TracePublisher& traces, const probes::DnsEvent& ev) {
  if (!traces.wants("dns")) return;
  traces.publish("dns", dns_event_json(ev, traces.cgroup_path(ev.cgroup_id)));
}

}  // namespace seismo::daemon
