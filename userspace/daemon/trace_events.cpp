#include "daemon/trace_events.h"

namespace seismo::daemon {

using nlohmann::json;

json trace_cgroup_path(cgroup::CgroupResolver& resolver, std::mutex& mutex, uint64_t cgroup_id) {
  std::lock_guard lock(mutex);
  resolver.begin_pass();
  if (auto p = resolver.lookup(cgroup_id)) return *p;
  return nullptr;
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

void publish_tcp_event(events::EventHub& hub, cgroup::CgroupResolver& resolver, std::mutex& mutex,
                       const probes::TcpEvent& ev) {
  if (!hub.has_subscribers("tcp")) return;
  hub.publish("tcp", tcp_event_json(ev, trace_cgroup_path(resolver, mutex, ev.cgroup_id)));
}

void publish_oom_event(events::EventHub& hub, cgroup::CgroupResolver& resolver, std::mutex& mutex,
                       const probes::OomEvent& ev) {
  if (!hub.has_subscribers("oom")) return;
  hub.publish("oom", oom_event_json(ev, trace_cgroup_path(resolver, mutex, ev.cgroup_id)));
}

}  // namespace seismo::daemon
