#include "chaos/network_fault_specs.h"

#include <fmt/format.h>

#include "chaos/spec_guard.h"
#include "chaos/spec_kinds.h"

namespace seismo::chaos {
namespace {

Unexpected invalid(const std::string& field, const std::string& what) {
  return fail_errno(EINVAL, fmt::format("{}: {}", field, what));
}

Direction direction_of(crd::TrafficDirection d) {
  switch (d) {
    case crd::TrafficDirection::to: return Direction::egress;
    case crd::TrafficDirection::from: return Direction::ingress;
    case crd::TrafficDirection::both: return Direction::both;
  }
  return Direction::egress;
}

// The field the peers come from, for errors.
std::string peers_field(const crd::NetworkFaultSpec& spec) {
  if (spec.target && !spec.external_targets.empty()) return "spec.target/externalTargets";
  return spec.target ? "spec.target" : "spec.externalTargets";
}

Result<FilterSpec> filter_of(const crd::NetworkFaultSpec& spec, const NetworkFaultPlacement& placement) {
  FilterSpec filter;
  bool peers_asked = spec.target.has_value() || !spec.external_targets.empty();
  if (placement.peers.size() > kMaxCidrs) {
    return invalid(peers_field(spec), fmt::format("{} peer addresses (target pod IPs and externalTargets), at most {}",
                                                  placement.peers.size(), kMaxCidrs));
  }
  // Peers asked for but none known (the target pods have no IP yet): an
  // empty filter would hit every peer, so nothing is installed.
  if (peers_asked && placement.peers.empty())
    return invalid(peers_field(spec), "no peer address known yet (the target pods have no IPs)");
  filter.cidrs = placement.peers;
  if (spec.ports.size() > kMaxPortRanges)
    return invalid("spec.ports", fmt::format("{} port ranges, at most {}", spec.ports.size(), kMaxPortRanges));
  for (const auto& p : spec.ports) filter.ports.push_back(PortRange{p.lo, p.hi});
  if (spec.protocol == "tcp") {
    filter.protocol = 6;
  } else if (spec.protocol == "udp") {
    filter.protocol = 17;
  } else if (spec.protocol == "icmp") {
    filter.protocol = 1;
  } else if (!spec.protocol.empty()) {
    return invalid("spec.protocol", fmt::format("'{}' is not one of tcp, udp, icmp", spec.protocol));
  }
  return filter;
}

// Local apply without named pods: the part of Chaos Mesh's selector the
// engine's own pod selector can express; anything more is refused by name.
Result<void> local_selector(const crd::NetworkFaultSpec& spec, FaultSpec& out) {
  const auto& s = spec.selector;
  auto refuse = [](const char* field) {
    return invalid(fmt::format("spec.selector.{}", field),
                   "needs the pods picked by seismod (apply through the daemon, which names them)");
  };
  if (s.pods.empty()) {
    if (!s.expression_selectors.empty()) return refuse("expressionSelectors");
    if (!s.annotation_selectors.empty()) return refuse("annotationSelectors");
    if (!s.phases.empty()) return refuse("podPhaseSelectors");
    if (!s.nodes.empty()) return refuse("nodes");
    if (!s.node_selectors.empty()) return refuse("nodeSelectors");
  }
  out.target.selector.namespaces = s.namespaces;
  out.target.selector.pods = s.pods;
  for (const auto& [k, v] : s.label_selectors)
    out.target.selector.label_selector += (out.target.selector.label_selector.empty() ? "" : ",") + k + "=" + v;
  switch (spec.mode) {
    case pods::PickMode::all: out.mode = SelectMode::all; break;
    case pods::PickMode::one: out.mode = SelectMode::one; break;
    case pods::PickMode::fixed: out.mode = SelectMode::fixed; break;
    case pods::PickMode::fixed_percent: out.mode = SelectMode::fixed_percent; break;
    case pods::PickMode::random_max_percent:
      return invalid("spec.mode", "random-max-percent needs the pods picked by seismod");
  }
  if (out.mode == SelectMode::fixed || out.mode == SelectMode::fixed_percent) {
    try {
      out.mode_value = std::stod(spec.value);
    } catch (const std::exception&) {
      return invalid("spec.value", fmt::format("'{}' is not a number", spec.value));
    }
  }
  return {};
}

FaultSpec base_spec(const crd::NetworkFault& fault, const NetworkFaultPlacement& placement, FilterSpec filter) {
  FaultSpec s;
  s.name = placement.base_name;
  s.target.kind = TargetKind::pods;
  s.target.interface = "eth0";
  s.target.selector.pods = placement.pods;
  s.mode = SelectMode::all;
  s.direction = direction_of(fault.spec.direction);
  s.filter = std::move(filter);
  s.duration_ns = placement.duration_ns != 0 ? placement.duration_ns : fault.spec.duration_ns;
  return s;
}

// The engine's own validation (ranges, names, limits) over what we built,
// so a spec the CRD parser let through is still refused before the kernel.
Result<FaultSpec> checked(const FaultSpec& spec, const std::string& field) {
  auto again = parse_fault_spec(to_json(spec));
  if (!again) return fail(std::move(again).error().wrap(field));
  return again;
}

// Chaos Mesh's bandwidth fields read by seismo's own rules: a peakrate is
// bytes per second there (a bare number), 0 is none, and a minburst without
// a peakrate is ignored by tbf, so it is dropped here too.
Result<FaultSpec> bandwidth_spec(const crd::NetworkFaultSpec& spec, const FaultSpec& base) {
  if (!spec.bandwidth) return invalid("spec.bandwidth", "required for action bandwidth");
  const auto& b = *spec.bandwidth;
  nlohmann::json params = {{"rate", b.rate}, {"limit", b.limit}, {"buffer", b.buffer}};
  if (b.peakrate && *b.peakrate > 0) {
    params["peakrate"] = fmt::format("{}bps", *b.peakrate);
    if (b.minburst) params["minburst"] = *b.minburst;
  }
  FaultSpec s = base;
  s.action = Action::bandwidth;
  if (auto r = parse_bandwidth(params, s.bandwidth); !r) return fail(std::move(r).error().wrap("spec.bandwidth"));
  return checked(s, "spec.bandwidth");
}

// spec.guard on every fault the object makes (netem's parts each carry it),
// read by the engine's rules; errors name spec.guard.<budget>.
Result<void> add_guard(const nlohmann::json& guard, std::vector<FaultSpec>& faults) {
  for (auto& f : faults) {
    auto g = parse_guard(guard, f.action);
    if (!g) return fail_errno(EINVAL, "spec." + g.error().context);
    f.guard = std::move(*g);
  }
  return {};
}

}  // namespace

Result<std::vector<FaultSpec>> fault_specs_for(const crd::NetworkFault& fault, const NetworkFaultPlacement& placement) {
  const auto& spec = fault.spec;
  // netem's faults are named <base>-loss, -delay, -duplicate, -corrupt: the longest must fit.
  const char* longest = spec.action != crd::FaultAction::netem ? ""
                        : spec.duplicate                        ? "-duplicate"
                                                                : "-delay";
  if (auto r = check_fault_name(placement.base_name + longest);
      !r) {
    return fail(std::move(r).error());
  }
  auto filter = filter_of(spec, placement);
  if (!filter) return fail(std::move(filter).error());
  FaultSpec base = base_spec(fault, placement, std::move(*filter));
  if (placement.pods.empty()) {
    if (auto r = local_selector(spec, base); !r) return fail(std::move(r).error());
  }
  if (base.duration_ns == 0) return invalid("spec.duration", "no time left (the fault has expired)");

  bool netem = spec.action == crd::FaultAction::netem;
  std::vector<FaultSpec> out;
  if (spec.action == crd::FaultAction::loss || netem) {
    if (!spec.loss) return invalid("spec.loss", "required for action loss and netem");
    FaultSpec s = base;
    s.action = Action::loss;
    s.loss.percent = spec.loss->loss;
    s.loss.correlation = spec.loss->correlation;
    if (netem) s.name += "-loss";
    auto c = checked(s, "spec.loss");
    if (!c) return fail(std::move(c).error());
    out.push_back(std::move(*c));
  }
  if (spec.action == crd::FaultAction::delay || netem) {
    if (!spec.delay) return invalid("spec.delay", "required for action delay and netem");
    FaultSpec s = base;
    s.action = Action::delay;
    s.delay.latency_ns = spec.delay->latency_ns;
    s.delay.jitter_ns = spec.delay->jitter_ns;
    s.delay.correlation = spec.delay->correlation;
    if (spec.delay->reorder) {
      s.delay.reorder.percent = spec.delay->reorder->reorder;
      s.delay.reorder.correlation = spec.delay->reorder->correlation;
      s.delay.reorder.gap = spec.delay->reorder->gap;
    }
    if (netem) s.name += "-delay";
    auto c = checked(s, "spec.delay");
    if (!c) return fail(std::move(c).error());
    out.push_back(std::move(*c));
  }
  if (spec.action == crd::FaultAction::duplicate || (netem && spec.duplicate)) {
    if (!spec.duplicate) return invalid("spec.duplicate", "required for action duplicate");
    FaultSpec s = base;
    s.action = Action::duplicate;
    s.duplicate = {spec.duplicate->duplicate, spec.duplicate->correlation};
    if (netem) s.name += "-duplicate";
    auto c = checked(s, "spec.duplicate");
    if (!c) return fail(std::move(c).error());
    out.push_back(std::move(*c));
  }
  if (spec.action == crd::FaultAction::partition) {
    FaultSpec s = base;
    s.action = Action::partition;
    auto c = checked(s, "spec");
    if (!c) return fail(std::move(c).error());
    out.push_back(std::move(*c));
  }
  if (spec.action == crd::FaultAction::corrupt || (netem && spec.corrupt)) {
    if (!spec.corrupt) return invalid("spec.corrupt", "required for action corrupt");
    FaultSpec s = base;
    s.action = Action::corrupt;
    s.corrupt = {spec.corrupt->corrupt, spec.corrupt->correlation};
    if (netem) s.name += "-corrupt";
    auto c = checked(s, "spec.corrupt");
    if (!c) return fail(std::move(c).error());
    out.push_back(std::move(*c));
  }
  if (spec.action == crd::FaultAction::bandwidth) {
    auto s = bandwidth_spec(spec, base);
    if (!s) return fail(std::move(s).error());
    out.push_back(std::move(*s));
  }
  if (spec.guard)
    if (auto r = add_guard(*spec.guard, out); !r) return fail(std::move(r).error());
  return out;
}

}  // namespace seismo::chaos
