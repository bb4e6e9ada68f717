// The canonical form of a fault spec (what fault.list and the state file
// hold), accepted back by parse_fault_spec.
#include "chaos/fault_spec.h"

#include <fmt/format.h>

#include "chaos/duration.h"
#include "chaos/spec_guard.h"
#include "chaos/spec_kinds.h"

namespace seismo::chaos {

using nlohmann::json;

json to_json(const FaultSpec& spec) {
  json target = json::object();
  switch (spec.target.kind) {
    case TargetKind::netns: target["netns"] = spec.target.netns; break;
    case TargetKind::pid: target["pid"] = spec.target.pid; break;
    case TargetKind::cgroup: target["cgroup"] = spec.target.cgroup; break;
    case TargetKind::pods: break;
  }
  if (!spec.target.interface.empty()) target["interface"] = spec.target.interface;
  if (spec.target.host_network) target["host_network"] = true;
  if (spec.target.by_socket) target["by"] = "socket";
  json doc = {{"name", spec.name},
              {"target", target},
              {"mode", select_mode_name(spec.mode)},
              {"direction", direction_name(spec.direction)},
              {"action", action_name(spec.action)},
              {"duration", format_duration(spec.duration_ns)}};
  if (spec.mode == SelectMode::fixed || spec.mode == SelectMode::fixed_percent) doc["value"] = spec.mode_value;
  if (spec.target.kind == TargetKind::pods) {
    const PodSelectorSpec& sel = spec.target.selector;
    json s = json::object();
    if (!sel.namespaces.empty()) s["namespaces"] = sel.namespaces;
    if (!sel.label_selector.empty()) s["labelSelectors"] = sel.label_selector;
    if (!sel.pods.empty()) s["pods"] = sel.pods;
    doc["selector"] = s;
    if (target.empty()) doc.erase("target");
  }
  switch (spec.action) {
    case Action::loss: doc["loss"] = {{"percent", spec.loss.percent}, {"correlation", spec.loss.correlation}}; break;
    case Action::delay:
      doc["delay"] = {{"latency", format_duration(spec.delay.latency_ns)},
                      {"jitter", format_duration(spec.delay.jitter_ns)},
                      {"correlation", spec.delay.correlation},
                      {"reorder", delay_reorder_json(spec.delay)}};
      break;
    case Action::bandwidth: doc["bandwidth"] = bandwidth_json(spec.bandwidth); break;
    case Action::duplicate: doc["duplicate"] = duplicate_json(spec.duplicate); break;
    case Action::corrupt: doc["corrupt"] = corrupt_json(spec.corrupt); break;
    case Action::partition: break;
  }
  json filter = json::object();
  if (!spec.filter.cidrs.empty()) {
    filter["cidrs"] = json::array();
    for (const auto& c : spec.filter.cidrs) filter["cidrs"].push_back(c.to_string());
  }
  if (spec.filter.protocol != 0)
    filter["protocol"] = spec.filter.protocol == 6 ? "tcp" : spec.filter.protocol == 17 ? "udp" : "icmp";
  if (!spec.filter.ports.empty()) {
    filter["ports"] = json::array();
    for (const auto& p : spec.filter.ports) {
      if (p.lo == p.hi) filter["ports"].push_back(p.lo);
      else filter["ports"].push_back(fmt::format("{}-{}", p.lo, p.hi));
    }
  }
  if (!filter.empty()) doc["filter"] = filter;
  if (!spec.guard.empty()) doc["guard"] = guard_json(spec.guard);
  return doc;
}

}  // namespace seismo::chaos
