// seismo trace exec|tcp|oom|dns: live events from the daemon's ring buffer
// consumers, in one output format: a table row per event (KIND, PID, COMM,
// CGROUP, then kind-specific details), or with -o json|yaml one JSON object
// per line carrying kind, monotonic_ns, cgroup_id, cgroup, pid, comm and the
// kind's own fields.
#include <csignal>
#include <iostream>

#include <fmt/format.h>

#include "context.h"

namespace seismo::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;

std::string field(const nlohmann::json& ev, const char* key) {
  auto it = ev.find(key);
  if (it == ev.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string endpoint(const nlohmann::json& ev, const char* addr, const char* port) {
  std::string a = field(ev, addr);
  if (a.find(':') != std::string::npos) a = "[" + a + "]";
  return a + ":" + field(ev, port);
}

// "example.com. A NXDOMAIN 20.31ms 10.0.0.10:53/udp". The daemon validated
// and escaped the name; the latency is shown in ms with µs resolution.
std::string dns_details(const nlohmann::json& ev) {
  std::string latency = "-";
  if (auto it = ev.find("latency_ns"); it != ev.end() && it->is_number_unsigned())
    latency = fmt::format("{:.3f}ms", static_cast<double>(it->get<uint64_t>()) / 1e6);
  return fmt::format("{} {} {} {} {}/{}", field(ev, "name"), field(ev, "qtype"), field(ev, "rcode"), latency,
                     endpoint(ev, "server", "server_port"), field(ev, "protocol"));
}

// The kind-specific tail of a table row.
std::string details(const nlohmann::json& ev) {
  const std::string kind = field(ev, "kind");
  if (kind == "exec") return fmt::format("{} ppid={}", field(ev, "filename"), field(ev, "ppid"));
  if (kind.rfind("tcp_", 0) == 0)
    return fmt::format("{} -> {} {}", endpoint(ev, "saddr", "sport"), endpoint(ev, "daddr", "dport"),
                       field(ev, "state"));
  if (kind == "oom_kill")
    return fmt::format("uid={} trigger_pid={} total_vm={}kB anon_rss={}kB file_rss={}kB shmem_rss={}kB "
                       "oom_score_adj={}",
                       field(ev, "uid"), field(ev, "trigger_pid"), field(ev, "total_vm_kb"), field(ev, "anon_rss_kb"),
                       field(ev, "file_rss_kb"), field(ev, "shmem_rss_kb"), field(ev, "oom_score_adj"));
  if (kind == "dns") return dns_details(ev);
  return ev.dump();
}

struct TraceOptions {
  std::string cgroup;
  size_t max_events = 0;
  PodFlags pods;
};

// "namespace/pod/container" for events of known pods, else the cgroup path.
std::string owner(const nlohmann::json& ev) {
  if (!ev.contains("pod")) return field(ev, "cgroup");
  std::string out = field(ev, "namespace") + "/" + field(ev, "pod");
  if (ev.value("container", "") != "") out += "/" + field(ev, "container");
  return out;
}

void stream(const Context& ctx, const std::string& topic, const TraceOptions& opts) {
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  auto client = api::Client::connect(ctx.socket_path);
  if (!client) throw CommandFailed{client.error().message()};
  nlohmann::json params = opts.pods.params();
  if (!opts.cgroup.empty()) params["cgroup"] = opts.cgroup;
  const bool table = ctx.format() == OutputFormat::table;
  constexpr const char* kRow = "{:<18} {:<8} {:<16} {:<40} {}\n";
  if (table) std::cout << fmt::format(kRow, "KIND", "PID", "COMM", "CGROUP OR POD", "DETAILS");
  size_t seen = 0;
  auto r = client->stream(
      "trace." + topic, params,
      [&](const nlohmann::json& ev) {
        if (table)
          std::cout << fmt::format(kRow, field(ev, "kind"), field(ev, "pid"), field(ev, "comm"), owner(ev), details(ev));
        else
          std::cout << ev.dump() << "\n";  // one object per line, even with -o yaml
        std::cout.flush();
        return opts.max_events == 0 || ++seen < opts.max_events;
      },
      [] { return g_stop != 0; });
  if (!r) throw CommandFailed{r.error().message()};
}

}  // namespace

void add_trace_command(CLI::App& app, Context& ctx) {
  auto* trace = app.add_subcommand("trace", "Stream discrete kernel events (one format for every kind)");
  trace->require_subcommand(1);
  static TraceOptions opts;
  struct Topic {
    const char* name;
    const char* help;
  } const topics[] = {
      {"exec", "Process executions: pid, ppid, cgroup, comm, filename"},
      {"tcp", "TCP retransmits and resets: addresses, ports, state, the socket owner's cgroup"},
      {"oom", "OOM kills: the victim's pid, comm, cgroup and memory figures"},
      {"dns", "Answered DNS queries of a cgroup's sockets: name, type, rcode, latency, server"},
  };
  for (const auto& t : topics) {
    auto* sub = trace->add_subcommand(t.name, t.help);
    sub->add_option("--cgroup", opts.cgroup, "Only cgroups whose path starts with this prefix");
    sub->add_option("--count", opts.max_events, "Exit after this many events (default: until Ctrl-C)");
    add_pod_flags(sub, opts.pods);
    sub->callback([&ctx, topic = std::string(t.name)] { stream(ctx, topic, opts); });
  }
}

}  // namespace seismo::cli
