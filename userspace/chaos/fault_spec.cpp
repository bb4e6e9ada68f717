// parse_fault_spec: one fault, field by field, in the order of docs/faults.md.
// The field readers are in spec_fields, the target and selector in
// spec_target, the filter in spec_filter, the canonical JSON in
// fault_spec_json.
#include "chaos/fault_spec.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "chaos/duration.h"
#include "chaos/spec_fields.h"
#include "chaos/spec_filter.h"
#include "chaos/spec_guard.h"
#include "chaos/spec_kinds.h"
#include "chaos/spec_target.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

// `selector` (pods, with target.interface at most) or `target`.
Result<TargetSpec> parse_fault_target(const json& doc) {
  auto selector = object_field(doc, "selector", "selector", false);
  if (!selector) return fail(std::move(selector).error());
  auto target = object_field(doc, "target", "target", *selector == nullptr);
  if (!target) return fail(std::move(target).error());
  if (!*selector) return parse_target(**target);
  // Pods: the target may only name the device inside the pod.
  TargetSpec out;
  if (*target) {
    if (auto r = only_known_keys(**target, "target", {"interface"}); !r)
      return invalid_field("target", "with a selector, target may only give interface (the pods are the target)");
    auto iface = string_field(**target, "interface", "target.interface", false);
    if (!iface) return fail(std::move(iface).error());
    if (iface->size() >= 16 || iface->find('/') != std::string::npos)
      return invalid_field("target.interface", fmt::format("'{}' is not an interface name", *iface));
    out.interface = *iface;
  }
  auto sel = parse_selector(**selector);
  if (!sel) return fail(std::move(sel).error());
  out.kind = TargetKind::pods;
  out.selector = std::move(*sel);
  return out;
}

// `mode` and, for fixed and fixed-percent, `value`.
Result<void> parse_mode(const json& doc, FaultSpec& spec) {
  auto mode = string_field(doc, "mode", "mode", false);
  if (!mode) return fail(std::move(mode).error());
  if (mode->empty() || *mode == "all") spec.mode = SelectMode::all;
  else if (*mode == "one") spec.mode = SelectMode::one;
  else if (*mode == "fixed") spec.mode = SelectMode::fixed;
  else if (*mode == "fixed-percent") spec.mode = SelectMode::fixed_percent;
  else return invalid_field("mode", fmt::format("'{}' is not one of all, one, fixed, fixed-percent", *mode));
  if (spec.mode == SelectMode::fixed || spec.mode == SelectMode::fixed_percent) {
    auto it = doc.find("value");
    if (it == doc.end()) return invalid_field("value", fmt::format("missing (mode {} needs it)", *mode));
    auto v = number_value(*it, "value", spec.mode == SelectMode::fixed_percent);
    if (!v) return fail(std::move(v).error());
    if (spec.mode == SelectMode::fixed && (*v < 1 || *v != std::floor(*v) || *v > 100000))
      return invalid_field("value", fmt::format("{} is not a whole number of targets >= 1", show_json(*it)));
    if (spec.mode == SelectMode::fixed_percent && (*v <= 0 || *v > 100))
      return invalid_field("value", fmt::format("{} is outside (0, 100]", show_json(*it)));
    spec.mode_value = *v;
  } else if (doc.contains("value")) {
    return invalid_field("value", "only modes fixed and fixed-percent take a value");
  }
  return {};
}

// `direction` and `action`.
Result<void> parse_direction_and_action(const json& doc, FaultSpec& spec) {
  auto dir = string_field(doc, "direction", "direction", false);
  if (!dir) return fail(std::move(dir).error());
  if (dir->empty() || *dir == "egress") spec.direction = Direction::egress;
  else if (*dir == "ingress") spec.direction = Direction::ingress;
  else if (*dir == "both") spec.direction = Direction::both;
  else return invalid_field("direction", fmt::format("'{}' is not one of egress, ingress, both", *dir));

  auto action = string_field(doc, "action", "action", true);
  if (!action) return fail(std::move(action).error());
  auto a = parse_action_name(*action);
  if (!a) return fail(std::move(a).error());
  spec.action = *a;
  return {};
}

Result<LossSpec> parse_loss(const json& p) {
  if (auto r = only_known_keys(p, "loss", {"percent", "correlation"}); !r) return fail(std::move(r).error());
  auto pct = percent_field(p, "percent", "loss.percent", true, 100, true);
  if (!pct) return fail(std::move(pct).error());
  auto corr = percent_field(p, "correlation", "loss.correlation", false, 100, false);
  if (!corr) return fail(std::move(corr).error());
  return LossSpec{*pct, *corr};
}

Result<DelaySpec> parse_delay(const json& p) {
  if (auto r = only_known_keys(p, "delay", {"latency", "jitter", "correlation", "reorder"}); !r)
    return fail(std::move(r).error());
  auto lat = duration_field(p, "latency", "delay.latency", true);
  if (!lat) return fail(std::move(lat).error());
  if (*lat == 0) return invalid_field("delay.latency", "must be greater than 0");
  if (*lat > kMaxLatencyNs)
    return invalid_field("delay.latency", fmt::format("{} is beyond fq's horizon ({}); fq would drop such packets",
                                                      format_duration(*lat), format_duration(kMaxLatencyNs)));
  auto jit = duration_field(p, "jitter", "delay.jitter", false);
  if (!jit) return fail(std::move(jit).error());
  if (*jit > *lat)
    return invalid_field("delay.jitter", fmt::format("{} is larger than the latency {}", format_duration(*jit),
                                                     format_duration(*lat)));
  if (*lat + *jit > kMaxLatencyNs)
    return invalid_field("delay.jitter", fmt::format("latency + jitter ({}) is beyond fq's horizon ({})",
                                                     format_duration(*lat + *jit), format_duration(kMaxLatencyNs)));
  auto corr = percent_field(p, "correlation", "delay.correlation", false, 100, false);
  if (!corr) return fail(std::move(corr).error());
  DelaySpec out{*lat, *jit, *corr, false, {}};
  if (auto it = p.find("reorder"); it != p.end())
    if (auto r = parse_delay_reorder(*it, out); !r) return fail(std::move(r).error());
  return out;
}

// The action's own parameters (the key named after it); another action's may
// not be given.
Result<void> parse_action_params(const json& doc, FaultSpec& spec) {
  const char* own = action_params_key(spec.action);
  for (Action other : kAllActions) {
    const char* key = action_params_key(other);
    if (key != nullptr && other != spec.action && doc.contains(key) && !doc[key].is_null())
      return invalid_field(key, fmt::format("given, but action is {}", action_name(spec.action)));
  }
  if (own == nullptr) return {};  // partition: no parameters
  auto params = object_field(doc, own, own, true);
  if (!params) return fail(std::move(params).error());
  switch (spec.action) {
    case Action::loss: {
      auto loss = parse_loss(**params);
      if (!loss) return fail(std::move(loss).error());
      spec.loss = *loss;
      return {};
    }
    case Action::delay: {
      auto delay = parse_delay(**params);
      if (!delay) return fail(std::move(delay).error());
      spec.delay = *delay;
      return {};
    }
    case Action::bandwidth: return parse_bandwidth(**params, spec.bandwidth);
    case Action::duplicate: return parse_duplicate(**params, spec.duplicate);
    case Action::corrupt: return parse_corrupt(**params, spec.corrupt);
    case Action::partition: return {};
  }
  return {};
}

}  // namespace

Result<void> check_fault_name(const std::string& name) {
  if (name.size() > kMaxNameLength)
    return invalid_field("name", fmt::format("longer than {} characters", kMaxNameLength));
  auto ok_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'; };
  for (char c : name)
    if (!ok_char(c))
      return invalid_field("name", fmt::format("'{}' may only hold a-z, 0-9, '-', '.', '_'", name));
  if (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.front())))
    return invalid_field("name", fmt::format("'{}' must start with a letter or digit", name));
  return {};
}

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::egress: return "egress";
    case Direction::ingress: return "ingress";
    case Direction::both: return "both";
  }
  return "?";
}

const char* action_name(Action a) {
  switch (a) {
    case Action::loss: return "loss";
    case Action::delay: return "delay";
    case Action::bandwidth: return "bandwidth";
    case Action::duplicate: return "duplicate";
    case Action::corrupt: return "corrupt";
    case Action::partition: return "partition";
  }
  return "?";
}

const char* action_params_key(Action a) { return a == Action::partition ? nullptr : action_name(a); }

Result<Action> parse_action_name(const std::string& name) {
  for (Action a : kAllActions)
    if (name == action_name(a)) {
      if (!action_supported(a))
        return invalid_field("action", fmt::format("'{}' is not supported yet", name));
      return a;
    }
  return invalid_field("action",
                       fmt::format("'{}' is not one of loss, delay, bandwidth, duplicate, corrupt, partition", name));
}

const char* select_mode_name(SelectMode m) {
  switch (m) {
    case SelectMode::all: return "all";
    case SelectMode::one: return "one";
    case SelectMode::fixed: return "fixed";
    case SelectMode::fixed_percent: return "fixed-percent";
  }
  return "?";
}

Result<FaultSpec> parse_fault_spec(const json& doc) {
  if (!doc.is_object()) return invalid_field("fault", fmt::format("must be an object, got {}", show_json(doc)));
  if (auto r = only_known_keys(doc, "", {"name", "target", "selector", "mode", "value", "direction", "action",
                                         "loss", "delay", "bandwidth", "duplicate", "corrupt", "filter", "guard",
                                         "duration"});
      !r)
    return fail(std::move(r).error());
  FaultSpec spec;

  auto name = string_field(doc, "name", "name", false);
  if (!name) return fail(std::move(name).error());
  if (auto r = check_fault_name(*name); !r) return fail(std::move(r).error());
  spec.name = *name;

  auto target = parse_fault_target(doc);
  if (!target) return fail(std::move(target).error());
  spec.target = std::move(*target);
  if (auto r = parse_mode(doc, spec); !r) return fail(std::move(r).error());
  if (auto r = parse_direction_and_action(doc, spec); !r) return fail(std::move(r).error());
  if (auto r = parse_action_params(doc, spec); !r) return fail(std::move(r).error());

  if (auto f = object_field(doc, "filter", "filter", false); !f) {
    return fail(std::move(f).error());
  } else if (*f) {
    auto filter = parse_filter(**f);
    if (!filter) return fail(std::move(filter).error());
    spec.filter = std::move(*filter);
  }

  if (auto g = doc.find("guard"); g != doc.end() && !g->is_null()) {
    auto guard = parse_guard(*g, spec.action);
    if (!guard) return fail(std::move(guard).error());
    spec.guard = std::move(*guard);
  }

  auto duration = duration_field(doc, "duration", "duration", true);
  if (!duration) return fail(std::move(duration).error());
  if (*duration == 0) return invalid_field("duration", "must be greater than 0");
  if (*duration > kMaxDurationNs)
    return invalid_field("duration", fmt::format("{} is over the maximum of {}", format_duration(*duration),
                                                 format_duration(kMaxDurationNs)));
  spec.duration_ns = *duration;
  if (auto r = check_by_socket(spec); !r) return fail(std::move(r).error());
  return spec;
}

Result<void> check_by_socket(const FaultSpec& spec) {
  if (!spec.target.by_socket || spec.direction == Direction::egress) return {};
  // Ingress has no tc hook that knows the socket (tc runs before the socket
  // lookup): a cgroup_skb program in the socket's receive path, which can
  // pass or drop a packet and nothing else.
  if (spec.action == Action::loss || spec.action == Action::partition) return {};
  return invalid_field("direction",
                       fmt::format("{} with target.by: socket acts on egress only: received packets are judged in "
                                   "the socket's receive path (a cgroup_skb program), which can only drop them, not "
                                   "{} them; use direction: egress, or loss/partition for ingress",
                                   direction_name(spec.direction),
                                   spec.action == Action::delay       ? "delay"
                                   : spec.action == Action::bandwidth ? "shape or police"
                                   : spec.action == Action::duplicate ? "copy"
                                                                      : "rewrite (corrupt)"));
}

}  // namespace seismo::chaos
