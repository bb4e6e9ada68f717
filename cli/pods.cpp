// seismo pods: this node's pods as seismod sees them (from the Kubernetes
// watch and the cgroupfs): cgroup ids, host-side veth, active faults.
#include <iostream>

#include <fmt/format.h>

#include "context.h"
#include "output.h"

namespace seismo::cli {

void add_pods_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("pods", "This node's pods: uid, cgroup ids, host veth, active faults");
  static PodFlags filter;
  add_pod_flags(cmd, filter);
  cmd->callback([&ctx] {
    auto r = ctx.call("pods", filter.params());
    if (!r) throw CommandFailed{r.error().message()};
    if (ctx.format() == OutputFormat::json) return print_json(*r);
    if (ctx.format() == OutputFormat::yaml) return print_yaml(*r);
    Table t({"NAMESPACE", "POD", "UID", "CGROUP IDS", "HOST VETH", "FAULTS"});
    for (const auto& p : (*r)["pods"]) {
      std::string ids;
      for (const auto& c : p["cgroups"]) ids += (ids.empty() ? "" : ",") + std::to_string(c.value("id", uint64_t{0}));
      std::string faults;
      for (const auto& f : p["faults"]) faults += (faults.empty() ? "" : ",") + f.get<std::string>();
      std::string veth = p["host_veth"].is_string() ? p["host_veth"].get<std::string>() : "-";
      t.add({p.value("namespace", ""), p.value("pod", ""), p.value("uid", ""), ids.empty() ? "-" : ids, veth,
             faults.empty() ? "-" : faults});
    }
    if (!r->value("synced", true)) std::cout << "(the pod list from the API server is not complete yet)\n";
    std::cout << t.render();
  });
}

}  // namespace seismo::cli
