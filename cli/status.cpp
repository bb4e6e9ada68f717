// seismo status: the daemon, its probes, series budget and losses.
#include <iostream>

#include <fmt/format.h>

#include "context.h"
#include "output.h"

namespace seismo::cli {

void add_status_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status", "Show seismod's state: probes, series budget, event losses");
  cmd->callback([&ctx] {
    auto st = ctx.call("status");
    if (!st) throw CommandFailed{st.error().message()};
    const auto& s = *st;
    if (ctx.format() == OutputFormat::json) return print_json(s);
    if (ctx.format() == OutputFormat::yaml) return print_yaml(s);
    std::cout << fmt::format("seismod {}  pid {}  up {:.0f}s\n", s.value("version", "?"), s.value("pid", 0),
                             s.value("uptime_seconds", 0.0));
    std::cout << fmt::format("metrics   http://{}/metrics\nsocket    {}\ncgroup2   {}\n", s.value("metrics_address", ""),
                             s.value("socket", ""), s.value("cgroup_root", ""));
    const auto& series = s["series"];
    std::cout << fmt::format("series    {} of {} (dropped {})\n\n", series.value("used", 0), series.value("limit", 0),
                             series.value("dropped_total", 0));
    Table probes({"PROBE", "STATE", "HOOK", "REASON"});
    for (const auto& p : s["probes"])
      probes.add({p.value("name", ""), p.value("attached", false) ? "attached" : "FAILED", p.value("hook", ""),
                  p.value("reason", "")});
    std::cout << probes.render() << "\n";
    Table losses({"LOSS STAGE", "COUNT"});
    for (const auto& [stage, count] : s["losses"].items()) losses.add({stage, count.dump()});
    std::cout << losses.render();
  });
}

}  // namespace seismo::cli
