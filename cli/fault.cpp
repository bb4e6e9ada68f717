// seismo fault add|ls|rm|clear: network faults, applied by seismod. The CLI
// only builds a spec (the same JSON `seismo apply` sends) and prints
// answers; seismod validates and touches the kernel.
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "context.h"
#include "fault_report.h"
#include "fault_watch.h"
#include "output.h"

namespace seismo::cli {
namespace {

using nlohmann::json;

void print_fault_rows(const json& faults, OutputFormat format);

// Flags shared by every `fault add KIND`.
struct AddFlags {
  std::string name, netns, cgroup, interface, direction = "egress", duration, protocol, mode, value;
  int pid = 0;
  bool host_network = false;
  bool by_socket = false;
  std::vector<std::string> cidrs, ports;
  std::vector<std::string> namespaces, pods;  // -n, --pod
  std::string labels;                         // -l
  std::vector<std::string> guards;            // --guard BUDGET=COUNT
  std::string guard_window;                   // --guard-window
  bool watch = false;                         // --watch

  json spec(const std::string& action, json params) const {
    json target = json::object();
    if (!netns.empty()) target["netns"] = netns;
    if (pid) target["pid"] = pid;
    if (!cgroup.empty()) target["cgroup"] = cgroup;
    if (!interface.empty()) target["interface"] = interface;
    if (host_network) target["host_network"] = true;
    if (by_socket) target["by"] = "socket";
    json doc = {{"target", target}, {"direction", direction}, {"action", action}};
    if (!params.is_null()) doc[action] = std::move(params);  // partition has none
    if (!name.empty()) doc["name"] = name;
    if (!duration.empty()) doc["duration"] = duration;
    // Chaos Mesh's spelling "fixed:N" / "fixed-percent:P" is mode + value.
    if (auto colon = mode.find(':'); colon != std::string::npos) {
      doc["mode"] = mode.substr(0, colon);
      doc["value"] = mode.substr(colon + 1);
    } else if (!mode.empty()) {
      doc["mode"] = mode;
    }
    if (!value.empty()) doc["value"] = value;
    if (!namespaces.empty() || !labels.empty() || !pods.empty()) {
      json selector = json::object();
      if (!pods.empty()) {
        // --pod names pods of the one namespace -n gives (the daemon checks the names).
        if (namespaces.size() != 1) throw CommandFailed{"--pod needs exactly one -n NAMESPACE", 2};
        selector["pods"] = {{namespaces.front(), pods}};
      } else if (!namespaces.empty()) {
        selector["namespaces"] = namespaces;
      }
      if (!labels.empty()) selector["labelSelectors"] = labels;
      doc["selector"] = std::move(selector);
      if (target.empty()) doc.erase("target");
    }
    json filter = json::object();
    if (!cidrs.empty()) filter["cidrs"] = cidrs;
    if (!protocol.empty()) filter["protocol"] = protocol;
    if (!ports.empty()) {
      filter["ports"] = json::array();
      for (const auto& p : ports) filter["ports"].push_back(p);
    }
    if (!filter.empty()) doc["filter"] = filter;
    auto guard = guard_from_flags(guards, guard_window);
    if (!guard) throw CommandFailed{guard.error().message(), 2};
    if (!guard->is_null()) doc["guard"] = std::move(*guard);
    return doc;
  }
};

void add_target_flags(CLI::App* cmd, AddFlags& f) {
  cmd->add_option("--name", f.name, "Fault name (default: generated)");
  cmd->add_option("--netns", f.netns, "Target network namespace (as in /run/netns/NAME)");
  cmd->add_option("--pid", f.pid, "Target the network namespace of this process");
  cmd->add_option("--cgroup", f.cgroup, "Target the network namespaces of this cgroup's processes");
  cmd->add_flag("--by-socket", f.by_socket,
                "With --cgroup: only the cgroup's own packets (by their socket's cgroup) on a shared device, e.g. a "
                "hostNetwork pod's; ingress: loss and partition only");
  cmd->add_option("-i,--interface", f.interface, "Device in the namespace (default: its only non-loopback one)");
  cmd->add_flag("--host-network", f.host_network, "Allow targeting the node's network namespace (PID 1's, the initial one, or seismod's own)");
  cmd->add_option("--direction", f.direction, "egress, ingress or both, as seen from the target")->capture_default_str();
  cmd->add_option("--duration", f.duration, "How long, e.g. 30s, 5m (required; at most 24h)")->required();
  cmd->add_option("--cidr", f.cidrs, "Only traffic with this peer prefix (repeatable)");
  cmd->add_option("--port", f.ports, "Only traffic on this port or range, either side (repeatable)");
  cmd->add_option("--protocol", f.protocol, "Only tcp, udp or icmp");
  cmd->add_option("-n,--namespace", f.namespaces, "Target pods of this namespace on this node (repeatable)");
  cmd->add_option("-l,--selector", f.labels, "Target pods matching this label selector, e.g. app=web,tier!=db");
  cmd->add_option("--pod", f.pods, "Target this pod of the -n namespace (repeatable)");
  cmd->add_option("--mode", f.mode, "Which targets: all, one, fixed:N, fixed-percent:P (or fixed + --value)");
  cmd->add_option("--value", f.value, "Count for mode fixed, percent for fixed-percent");
  cmd->add_option("--guard", f.guards,
                  "Abort the fault in the kernel once a count passes this budget: BUDGET=COUNT with BUDGET one of "
                  "dropped, delayed, tcp-retransmits, tcp-resets, tcp-resets-sent, tcp-resets-received, "
                  "tcp-connect-failures (repeatable; docs/faults.md, Guards)");
  cmd->add_option("--guard-window", f.guard_window,
                  "Budgets hold per sliding window of this length (100ms to 24h) instead of the fault's lifetime");
  cmd->add_flag("--watch", f.watch,
                "After adding, print live counters each second until the fault aborts, ends or Ctrl-C");
}

// The answer to fault add: the fault's row, then its live counters if --watch.
void report_added(Context& ctx, const json& fault, bool watch) {
  print_fault_rows(json::array({fault}), ctx.format());
  if (watch) watch_fault(ctx, fault.value("name", ""));
}

void print_fault_rows(const json& faults, OutputFormat format) {
  if (format == OutputFormat::json) return print_json(faults);
  if (format == OutputFormat::yaml) return print_yaml(faults);
  Table t({"NAME", "ACTION", "DIRECTION", "WHERE", "PASSED", "DROPPED", "DELAYED", "ENDS IN"});
  std::vector<std::string> problems;  // broken faults: what seismod found missing
  for (const auto& f : faults) {
    const auto& spec = f["spec"];
    std::string what = f.value("action", "");
    const auto& c = f["counters"];
    if (what == "loss" || what == "duplicate" || what == "corrupt")
      what = fmt::format("{} {}%", what, spec[what].value("percent", 0.0));
    if (c.contains("duplicated")) what += fmt::format(" ({} copies)", human_count(c.value("duplicated", 0.0)));
    if (c.contains("corrupted")) what += fmt::format(" ({} corrupted)", human_count(c.value("corrupted", 0.0)));
    if (what == "delay") {
      what = fmt::format("delay {}", spec["delay"].value("latency", ""));
      if (spec["delay"].value("jitter", "0s") != "0s") what += fmt::format("±{}", spec["delay"].value("jitter", ""));
      if (const auto& ro = spec["delay"].value("reorder", json()); ro.is_object())
        what += fmt::format(" reorder {}%", ro.value("percent", 0.0));
    }
    if (what == "bandwidth")
      what = fmt::format("bandwidth {} {}", spec["bandwidth"].value("rate", ""), f.value("bandwidth", ""));
    std::string where;
    if (f.contains("pods")) {
      // A pod fault: the chosen pods (the endpoints list has the devices).
      for (const auto& p : f["pods"]) where += (where.empty() ? "" : ", ") + p.value("pod", "");
      if (where.empty()) where = "(no pods now)";
    } else {
      for (const auto& e : f["endpoints"]) where += (where.empty() ? "" : "; ") + e.get<std::string>();
    }
    std::string name = f.value("name", "");
    if (f.value("health", "ok") != "ok") {
      name += " (broken)";
      for (const auto& p : f.value("problems", json::array()))
        problems.push_back(f.value("name", "") + ": " + p.get<std::string>());
    }
    t.add({name, what, f.value("direction", ""), where, human_count(c.value("passed", 0.0)),
           human_count(c.value("dropped", 0.0)), human_count(c.value("delayed", 0.0)),
           fmt::format("{:.0f}s", f.value("expires_in_seconds", 0.0))});
  }
  std::cout << t.render();
  for (const auto& p : problems) std::cout << "broken: " << p << "\n";
  for (const auto& f : faults)
    for (const auto& line : {guard_line(f), verification_line(f)})
      if (!line.empty()) std::cout << f.value("name", "") << ": " << line << "\n";
}

// seismo fault add loss|duplicate|corrupt PERCENT …: the kinds that pick
// packets with a percent and a correlation.
void add_pick_command(CLI::App* add, Context& ctx, const std::string& kind, const std::string& help,
                      const std::string& percent_help) {
  auto flags = std::make_shared<AddFlags>();
  auto percent = std::make_shared<std::string>();
  auto correlation = std::make_shared<std::string>();
  auto* cmd = add->add_subcommand(kind, help);
  cmd->add_option("percent", *percent, percent_help)->required();
  cmd->add_option("--correlation", *correlation,
                  kind == "loss" ? "Burstiness 0-<100: P(loss | previous lost) = p + c(1-p)"
                                 : "Burstiness 0-<100: P(picked | previous picked) = p + c(1-p)");
  add_target_flags(cmd, *flags);
  cmd->callback([&ctx, kind, flags, percent, correlation] {
    json params = {{"percent", *percent}};
    if (!correlation->empty()) params["correlation"] = *correlation;
    auto r = ctx.call("fault.add", flags->spec(kind, params));
    if (!r) throw CommandFailed{r.error().message()};
    report_added(ctx, *r, flags->watch);
  });
}

void add_pick_commands(CLI::App* add, Context& ctx) {
  add_pick_command(add, ctx, "loss", "Drop packets: seismo fault add loss 10% --netns web --duration 30s",
                   "Share of packets lost, 0-100 (e.g. 10%)");
  add_pick_command(add, ctx, "duplicate",
                   "Send a copy of packets too: seismo fault add duplicate 10% --netns web --duration 30s",
                   "Share of packets copied, 0-100 (e.g. 10%)");
  add_pick_command(add, ctx, "corrupt",
                   "Flip a bit the receiver's checksum rejects: seismo fault add corrupt 10% --netns web --duration 30s",
                   "Share of packets corrupted, 0-100 (e.g. 10%)");
}

// seismo fault add delay LATENCY …
void add_delay_command(CLI::App* add, Context& ctx) {
  auto delay_flags = std::make_shared<AddFlags>();
  auto latency = std::make_shared<std::string>();
  auto jitter = std::make_shared<std::string>();
  auto delay_corr = std::make_shared<std::string>();
  auto reorder = std::make_shared<bool>(false);
  auto* delay = add->add_subcommand("delay", "Delay packets (EDT + fq): seismo fault add delay 100ms --jitter 10ms ...");
  delay->add_option("latency", *latency, "Added latency, e.g. 100ms (at most fq's 10 s horizon)")->required();
  delay->add_option("--jitter", *jitter, "Uniform spread around the latency, at most the latency");
  delay->add_option("--correlation", *delay_corr, "Correlation 0-<100 between successive jitter draws");
  delay->add_flag("--reorder", *reorder, "Let jitter reorder packets of a flow (default: keep order)");
  add_target_flags(delay, *delay_flags);
  delay->callback([&ctx, delay_flags, latency, jitter, delay_corr, reorder] {
    json params = {{"latency", *latency}};
    if (!jitter->empty()) params["jitter"] = *jitter;
    if (!delay_corr->empty()) params["correlation"] = *delay_corr;
    if (*reorder) params["reorder"] = true;
    auto r = ctx.call("fault.add", delay_flags->spec("delay", params));
    if (!r) throw CommandFailed{r.error().message()};
    report_added(ctx, *r, delay_flags->watch);
  });
}

// seismo fault add reorder PERCENT --latency L …: a delay whose picked
// packets leave at once (netem's reorder). The delay's own `--reorder` flag
// keeps its old meaning (jitter may reorder a flow).
void add_reorder_command(CLI::App* add, Context& ctx) {
  auto flags = std::make_shared<AddFlags>();
  auto percent = std::make_shared<std::string>();
  auto latency = std::make_shared<std::string>();
  auto jitter = std::make_shared<std::string>();
  auto correlation = std::make_shared<std::string>();
  auto gap = std::make_shared<std::string>();
  auto* cmd = add->add_subcommand(
      "reorder", "Delay packets, sending some at once (netem's reorder): seismo fault add reorder 25% --latency 10ms");
  cmd->add_option("percent", *percent, "Share of the candidates sent at once, ahead of the delayed ones (e.g. 25%)")
      ->required();
  cmd->add_option("--latency", *latency, "The delay of the other packets, e.g. 10ms")->required();
  cmd->add_option("--jitter", *jitter, "Uniform spread around the latency, at most the latency");
  cmd->add_option("--correlation", *correlation, "Correlation 0-<100 between successive picks");
  cmd->add_option("--gap", *gap, "Only after GAP-1 delayed packets is one a candidate (default 1, as netem)");
  add_target_flags(cmd, *flags);
  cmd->callback([&ctx, flags, percent, latency, jitter, correlation, gap] {
    json reorder = {{"percent", *percent}};
    if (!correlation->empty()) reorder["correlation"] = *correlation;
    if (!gap->empty()) reorder["gap"] = *gap;
    json params = {{"latency", *latency}, {"reorder", reorder}};
    if (!jitter->empty()) params["jitter"] = *jitter;
    auto r = ctx.call("fault.add", flags->spec("delay", params));
    if (!r) throw CommandFailed{r.error().message()};
    report_added(ctx, *r, flags->watch);
  });
}

// seismo fault add partition --cidr …: every matching packet dropped.
void add_partition_command(CLI::App* add, Context& ctx) {
  auto flags = std::make_shared<AddFlags>();
  auto* cmd = add->add_subcommand(
      "partition", "Cut traffic to peers (silent drop): seismo fault add partition --cidr 10.0.0.0/8 --direction both");
  add_target_flags(cmd, *flags);
  cmd->callback([&ctx, flags] {
    auto r = ctx.call("fault.add", flags->spec("partition", json()));
    if (!r) throw CommandFailed{r.error().message()};
    report_added(ctx, *r, flags->watch);
  });
}

// seismo fault add bandwidth RATE …
void add_bandwidth_command(CLI::App* add, Context& ctx) {
  auto flags = std::make_shared<AddFlags>();
  auto rate = std::make_shared<std::string>();
  auto limit = std::make_shared<std::optional<uint64_t>>();
  auto buffer = std::make_shared<std::optional<uint64_t>>();
  auto peakrate = std::make_shared<std::string>();
  auto minburst = std::make_shared<std::optional<uint64_t>>();
  auto mode = std::make_shared<std::string>();
  auto* bw = add->add_subcommand("bandwidth", "Limit the rate (shape with fq, else police): seismo fault add "
                                              "bandwidth 10mbit --netns web --duration 30s");
  bw->add_option("rate", *rate,
                 "Rate in tc's units: 10mbit = 10 megabits/s, 10mbps = 10 megaBYTES/s; a bare number is bit/s")
      ->required();
  bw->add_option("--limit", *limit, "Bytes that may wait when shaping (default: 50 ms at the rate, >= 64 KiB)");
  bw->add_option("--buffer", *buffer,
                 "Bucket depth in bytes: the burst (default: 10 ms at the rate shaping, 200 ms policing, >= 64 KiB)");
  bw->add_option("--peakrate", *peakrate, "Peak rate of the burst, above the rate (needs --minburst)");
  bw->add_option("--minburst", *minburst, "The peak bucket's depth in bytes (one MTU: packet-exact)");
  bw->add_option("--bandwidth-mode", *mode, "shape (needs fq), police, or auto (default: shape where fq exists)");
  add_target_flags(bw, *flags);
  bw->callback([&ctx, flags, rate, limit, buffer, peakrate, minburst, mode] {
    json params = {{"rate", *rate}};
    if (*limit) params["limit"] = **limit;
    if (*buffer) params["buffer"] = **buffer;
    if (!peakrate->empty()) params["peakrate"] = *peakrate;
    if (*minburst) params["minburst"] = **minburst;
    if (!mode->empty()) params["mode"] = *mode;
    auto r = ctx.call("fault.add", flags->spec("bandwidth", params));
    if (!r) throw CommandFailed{r.error().message()};
    report_added(ctx, *r, flags->watch);
  });
}

// seismo fault ls | rm NAME… | clear
void add_list_and_remove_commands(CLI::App* fault, Context& ctx) {
  auto* ls = fault->add_subcommand("ls", "List active faults with live counters");
  ls->callback([&ctx] {
    auto r = ctx.call("fault.ls");
    if (!r) throw CommandFailed{r.error().message()};
    if (ctx.format() == OutputFormat::json) return print_json(*r);
    if (ctx.format() == OutputFormat::yaml) return print_yaml(*r);
    if ((*r)["faults"].empty()) {
      std::cout << "no active faults\n";
    } else {
      print_fault_rows((*r)["faults"], ctx.format());
    }
    if (!r->value("fq_available", true))
      std::cout << "\n(no fq qdisc in this kernel: delay faults unavailable, bandwidth faults police)\n";
  });

  auto names = std::make_shared<std::vector<std::string>>();
  auto* rm = fault->add_subcommand("rm", "Remove faults by name");
  rm->add_option("name", *names, "Fault name(s)")->required();
  rm->callback([&ctx, names] {
    json removed = json::array();
    for (const auto& n : *names) {
      auto r = ctx.call("fault.rm", {{"name", n}});
      if (!r) throw CommandFailed{r.error().message()};
      removed.push_back(n);
    }
    if (ctx.format() == OutputFormat::table) {
      for (const auto& n : removed) std::cout << "removed " << n.get<std::string>() << "\n";
    } else {
      json doc = {{"removed", removed}};
      ctx.format() == OutputFormat::json ? print_json(doc) : print_yaml(doc);
    }
  });

  auto* clear = fault->add_subcommand("clear", "Remove every fault");
  clear->callback([&ctx] {
    auto r = ctx.call("fault.clear");
    if (!r) throw CommandFailed{r.error().message()};
    if (ctx.format() == OutputFormat::table) {
      std::cout << "removed " << r->value("removed", 0) << " fault(s)\n";
    } else {
      ctx.format() == OutputFormat::json ? print_json(*r) : print_yaml(*r);
    }
  });
}

}  // namespace

void add_fault_command(CLI::App& app, Context& ctx) {
  auto* fault = app.add_subcommand(
      "fault", "Network faults (loss, delay, reorder, bandwidth, duplicate, corrupt, partition) applied by seismod");
  fault->require_subcommand(1);
  auto* add = fault->add_subcommand("add", "Apply a fault");
  add->require_subcommand(1);
  add_pick_commands(add, ctx);
  add_delay_command(add, ctx);
  add_reorder_command(add, ctx);
  add_partition_command(add, ctx);
  add_bandwidth_command(add, ctx);
  add_list_and_remove_commands(fault, ctx);
}

}  // namespace seismo::cli
