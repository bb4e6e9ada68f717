#include "daemon/probe_table.h"

#include <array>

#include "common/log.h"
#include "daemon/trace_events.h"
#include "metrics/exec_signal.h"
#include "metrics/dns_signal.h"
#include "metrics/net_signal.h"
#include "metrics/oom_signal.h"
#include "metrics/sched_signal.h"
#include "metrics/signal_group.h"
#include "metrics/syscall_signal.h"
#include "metrics/tcp_signal.h"
#include "probes/exec.h"
#include "probes/net.h"
#include "probes/oom.h"
#include "probes/sched.h"
#include "probes/syscalls.h"
#include "probes/tcp.h"

namespace seismo::daemon {

namespace {

// A created probe with the signal `make_signal` builds over it.
template <class Probe, class MakeSignal>
Result<RunningProbe> running(Result<std::unique_ptr<Probe>> probe, MakeSignal make_signal) {
  if (!probe) return fail(std::move(probe).error());
  auto signal = make_signal(**probe);
  return RunningProbe(std::move(*probe), std::move(signal));
}

Result<RunningProbe> start_syscalls(const ProbeContext& ctx) {
  const bool full = ctx.full_syscalls;
  return running(probes::SyscallsProbe::create({ctx.config.map_entries, !full, ctx.flavour, std::nullopt}),
                 [full](probes::SyscallsProbe& p) { return std::make_shared<metrics::SyscallSignal>(p, full); });
}

Result<RunningProbe> start_exec(const ProbeContext& ctx) {
  TracePublisher& traces = ctx.traces;
  return running(probes::ExecProbe::create({ctx.config.map_entries, ctx.flavour},
                                           [&traces](const probes::ExecEvent& ev) { publish_exec_event(traces, ev); }),
                 [](probes::ExecProbe& p) { return std::make_shared<metrics::ExecSignal>(p); });
}

Result<RunningProbe> start_net(const ProbeContext& ctx) {
  TracePublisher& traces = ctx.traces;
  probes::NetProbeConfig nc{ctx.config.map_entries, ctx.net_cgroup,
                            [&traces](const probes::DnsEvent& ev) { publish_dns_event(traces, ev); }};
  return running(probes::NetProbe::create(nc), [](probes::NetProbe& p) {
    return std::make_shared<metrics::SignalGroup>(std::vector<std::shared_ptr<metrics::Signal>>{
        std::make_shared<metrics::NetSignal>(p), std::make_shared<metrics::DnsSignal>(p.dns())});
  });
}

Result<RunningProbe> start_tcp(const ProbeContext& ctx) {
  probes::TcpProbeConfig tc;
  tc.max_entries = ctx.config.map_entries;
  tc.root_cgroup_id = ctx.root_cgroup_id;
  tc.only_flavour = ctx.flavour;
  TracePublisher& traces = ctx.traces;
  return running(probes::TcpProbe::create(tc, [&traces](const probes::TcpEvent& ev) { publish_tcp_event(traces, ev); }),
                 [](probes::TcpProbe& p) { return std::make_shared<metrics::TcpSignal>(p); });
}

Result<RunningProbe> start_sched(const ProbeContext& ctx) {
  probes::SchedProbeConfig sc;
  sc.max_entries = ctx.config.map_entries;
  sc.only_flavour = ctx.flavour;
  return running(probes::SchedProbe::create(sc),
                 [](probes::SchedProbe& p) { return std::make_shared<metrics::SchedSignal>(p); });
}

Result<RunningProbe> start_oom(const ProbeContext& ctx) {
  TracePublisher& traces = ctx.traces;
  auto on_kill = [&traces](const probes::OomEvent& ev) {
    log::warn("OOM kill: pid {} ({}) in cgroup id {}", ev.pid, ev.comm, ev.cgroup_id);
    publish_oom_event(traces, ev);
  };
  return running(probes::OomProbe::create({ctx.config.map_entries, ctx.flavour}, on_kill),
                 [](probes::OomProbe& p) { return std::make_shared<metrics::OomSignal>(p); });
}

constexpr std::array kProbeTable{
    ProbeEntry{"syscalls", start_syscalls}, ProbeEntry{"exec", start_exec},   ProbeEntry{"net", start_net},
    ProbeEntry{"tcp", start_tcp},           ProbeEntry{"sched", start_sched}, ProbeEntry{"oom", start_oom},
};

}  // namespace

std::span<const ProbeEntry> probe_table() { return kProbeTable; }

std::vector<std::string> probe_names() {
  std::vector<std::string> names;
  for (const auto& entry : kProbeTable) names.emplace_back(entry.name);
  return names;
}

}  // namespace seismo::daemon
