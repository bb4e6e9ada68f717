// seismo trace exec: live events from the daemon's ring buffer consumer.
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

}  // namespace

void add_trace_command(CLI::App& app, Context& ctx) {
  auto* trace = app.add_subcommand("trace", "Stream discrete kernel events");
  trace->require_subcommand(1);
  static std::string cgroup;
  static size_t max_events = 0;
  auto* exec = trace->add_subcommand("exec", "Process executions: pid, ppid, cgroup, comm, filename");
  exec->add_option("--cgroup", cgroup, "Only cgroups whose path starts with this prefix");
  exec->add_option("--count", max_events, "Exit after this many events (default: until Ctrl-C)");
  exec->callback([&ctx] {
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    auto client = api::Client::connect(ctx.socket_path);
    if (!client) throw CommandFailed{client.error().message()};
    nlohmann::json params = nlohmann::json::object();
    if (!cgroup.empty()) params["cgroup"] = cgroup;
    bool table = ctx.format() == OutputFormat::table;
    if (table) std::cout << fmt::format("{:<8} {:<8} {:<16} {:<40} {}\n", "PID", "PPID", "COMM", "CGROUP", "FILENAME");
    size_t seen = 0;
    auto r = client->stream(
        "trace.exec", params,
        [&](const nlohmann::json& ev) {
          if (table)
            std::cout << fmt::format("{:<8} {:<8} {:<16} {:<40} {}\n", field(ev, "pid"), field(ev, "ppid"),
                                     field(ev, "comm"), field(ev, "cgroup"), field(ev, "filename"));
          else
            std::cout << ev.dump() << "\n";  // one object per line, even with -o yaml
          std::cout.flush();
          return max_events == 0 || ++seen < max_events;
        },
        [] { return g_stop != 0; });
    if (!r) throw CommandFailed{r.error().message()};
  });
}

}  // namespace seismo::cli
