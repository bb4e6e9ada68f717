#include "chaos/fault_spec.h"

#include <cerrno>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "chaos/duration.h"
#include "pods/label_selector.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

Unexpected invalid(std::string_view field, std::string_view why) {
  return fail_errno(EINVAL, fmt::format("{}: {}", field, why));
}

constexpr size_t kShownChars = 40;

// Appends a short rendering of v to out: stops once out holds kShownChars
// and never descends more than a few levels (a value from outside may nest
// 100k levels deep; dump() would recurse through all of them). Bytes that
// are not UTF-8 print as U+FFFD instead of throwing.
void show_into(const json& v, std::string& out, int depth) {
  if (out.size() > kShownChars) return;
  if (!v.is_structured()) {
    out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  const bool object = v.is_object();
  if (depth >= 3) {
    out += object ? "{…}" : "[…]";
    return;
  }
  out += object ? '{' : '[';
  bool first = true;
  for (auto it = v.begin(); it != v.end() && out.size() <= kShownChars; ++it) {
    if (!first) out += ',';
    first = false;
    if (object) out += json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ":";
    show_into(*it, out, depth + 1);
  }
  out += object ? '}' : ']';
}

std::string show(const json& v) {
  std::string s;
  show_into(v, s, 0);
  return s.size() > kShownChars ? s.substr(0, kShownChars) + "…" : s;
}

// Rejects keys a schema level does not know (typos must not be ignored).
Result<void> only_keys(const json& obj, std::string_view where, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string field = where.empty() ? key : fmt::format("{}.{}", where, key);
      return invalid(field, "unknown field");
    }
  }
  return {};
}

Result<const json*> object_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid(field, "missing");
    return static_cast<const json*>(nullptr);
  }
  if (!it->is_object()) return invalid(field, fmt::format("must be an object, got {}", show(*it)));
  return &*it;
}

Result<std::string> string_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid(field, "missing");
    return std::string();
  }
  if (!it->is_string()) return invalid(field, fmt::format("must be a string, got {}", show(*it)));
  return it->get<std::string>();
}

// A finite number, or a string holding one with an optional '%' ("10",
// "10%"). from_chars reads "nan" and "inf", which range checks let through.
Result<double> number_value(const json& v, std::string_view field, bool allow_percent_sign) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (allow_percent_sign && !s.empty() && s.back() == '%') s.pop_back();
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(d)) return d;
  }
  return invalid(field, fmt::format("{} is not a number", show(v)));
}

Result<double> percent_field(const json& doc, std::string_view key, std::string_view field, bool required,
                             double limit, bool inclusive) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid(field, "missing");
    return 0.0;
  }
  auto v = number_value(*it, field, true);
  if (!v) return v;
  const bool too_big = inclusive ? *v > limit : *v >= limit;
  if (!std::isfinite(*v) || *v < 0 || too_big)
    return invalid(field, inclusive ? fmt::format("{} is outside 0 to {}", show(*it), limit)
                                    : fmt::format("{} is outside 0 to below {}", show(*it), limit));
  return *v;
}

Result<uint64_t> duration_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid(field, "missing (e.g. \"30s\")");
    return uint64_t{0};
  }
  if (it->is_number()) {
    if (it->get<double>() < 0) return invalid(field, fmt::format("{} is negative", show(*it)));
    return invalid(field, fmt::format("{} has no unit (write e.g. \"30s\" or \"100ms\")", show(*it)));
  }
  if (!it->is_string()) return invalid(field, fmt::format("must be a duration string, got {}", show(*it)));
  return parse_duration_ns(it->get<std::string>(), field);
}

Result<TargetSpec> parse_target(const json& t) {
  if (auto r = only_keys(t, "target", {"netns", "pid", "cgroup", "interface", "host_network"}); !r)
    return fail(std::move(r).error());
  TargetSpec target;
  int kinds = 0;
  if (t.contains("netns")) {
    auto s = string_field(t, "netns", "target.netns", true);
    if (!s) return fail(std::move(s).error());
    if (s->empty() || s->find('/') != std::string::npos)
      return invalid("target.netns", fmt::format("'{}' is not a network namespace name (as in /run/netns/NAME)", *s));
    target.kind = TargetKind::netns;
    target.netns = *s;
    ++kinds;
  }
  if (t.contains("pid")) {
    const json& p = t["pid"];
    if (!p.is_number_integer() || p.get<int64_t>() <= 0 || p.get<int64_t>() > 0x3fffffff)
      return invalid("target.pid", fmt::format("{} is not a process id", show(p)));
    target.kind = TargetKind::pid;
    target.pid = static_cast<pid_t>(p.get<int64_t>());
    ++kinds;
  }
  if (t.contains("cgroup")) {
    auto s = string_field(t, "cgroup", "target.cgroup", true);
    if (!s) return fail(std::move(s).error());
    if (s->empty() || s->find("..") != std::string::npos)
      return invalid("target.cgroup", fmt::format("'{}' is not a cgroup path", *s));
    target.kind = TargetKind::cgroup;
    target.cgroup = *s;
    ++kinds;
  }
  if (kinds != 1) return invalid("target", "give exactly one of netns, pid, cgroup");
  auto iface = string_field(t, "interface", "target.interface", false);
  if (!iface) return fail(std::move(iface).error());
  if (iface->size() >= 16 || iface->find('/') != std::string::npos)
    return invalid("target.interface", fmt::format("'{}' is not an interface name", *iface));
  target.interface = *iface;
  if (auto it = t.find("host_network"); it != t.end()) {
    if (!it->is_boolean()) return invalid("target.host_network", "must be true or false");
    target.host_network = it->get<bool>();
  }
  return target;
}

// A DNS-1123 label (namespaces) or subdomain (pod names).
bool dns_name(std::string_view s, size_t max_len, bool dots) {
  if (s.empty() || s.size() > max_len) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : s)
    if (!alnum(c) && c != '-' && !(dots && c == '.')) return false;
  return alnum(s.front()) && alnum(s.back());
}

Result<PodSelectorSpec> parse_selector(const json& sel) {
  if (auto r = only_keys(sel, "selector", {"namespaces", "labelSelectors", "pods"}); !r)
    return fail(std::move(r).error());
  PodSelectorSpec out;
  if (auto it = sel.find("namespaces"); it != sel.end() && !it->is_null()) {
    if (!it->is_array()) return invalid("selector.namespaces", "must be a list of namespace names");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      if (!v.is_string() || !dns_name(v.get_ref<const std::string&>(), 63, false))
        return invalid(fmt::format("selector.namespaces[{}]", i), fmt::format("{} is not a namespace name", show(v)));
      out.namespaces.push_back(v.get<std::string>());
    }
  }
  if (auto it = sel.find("labelSelectors"); it != sel.end() && !it->is_null()) {
    Result<pods::LabelSelector> parsed = pods::LabelSelector{};
    if (it->is_string()) {
      out.label_selector = it->get<std::string>();
      parsed = pods::LabelSelector::parse(out.label_selector);
    } else if (it->is_object()) {
      std::map<std::string, std::string> equals;
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string())
          return invalid(fmt::format("selector.labelSelectors.{}", k), fmt::format("{} is not a string", show(v)));
        equals[k] = v.get<std::string>();
      }
      parsed = pods::LabelSelector::from_map(equals);
      for (const auto& [k, v] : equals) out.label_selector += (out.label_selector.empty() ? "" : ",") + k + "=" + v;
    } else {
      return invalid("selector.labelSelectors", "must be a map of label: value, or a selector string \"app=web\"");
    }
    if (!parsed) return invalid("selector.labelSelectors", parsed.error().message());
  }
  if (auto it = sel.find("pods"); it != sel.end() && !it->is_null()) {
    if (!it->is_object()) return invalid("selector.pods", "must be a map of namespace: [pod names]");
    for (const auto& [ns, names] : it->items()) {
      std::string field = fmt::format("selector.pods.{}", ns);
      if (!dns_name(ns, 63, false)) return invalid(field, "the key is not a namespace name");
      if (!names.is_array() || names.empty()) return invalid(field, "must be a non-empty list of pod names");
      for (size_t i = 0; i < names.size(); ++i) {
        const json& v = names[i];
        if (!v.is_string() || !dns_name(v.get_ref<const std::string&>(), 253, true))
          return invalid(fmt::format("{}[{}]", field, i), fmt::format("{} is not a pod name", show(v)));
        out.pods[ns].push_back(v.get<std::string>());
      }
    }
  }
  if (out.namespaces.empty() && out.label_selector.empty() && out.pods.empty())
    return invalid("selector", "give namespaces, labelSelectors or pods (an empty selector would take every pod)");
  return out;
}

Result<PortRange> parse_port(const json& v, std::string_view field) {
  auto bad = [&] { return invalid(field, fmt::format("{} is not a port (1-65535) or range (\"8000-8080\")", show(v))); };
  auto one = [](std::string_view s, uint16_t& out) {
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || n == 0 || n > 65535) return false;
    out = static_cast<uint16_t>(n);
    return true;
  };
  PortRange r;
  if (v.is_number_integer()) {
    if (!one(std::to_string(v.get<int64_t>()), r.lo)) return bad();
    r.hi = r.lo;
    return r;
  }
  if (!v.is_string()) return bad();
  std::string s = v.get<std::string>();
  auto dash = s.find('-');
  if (dash == std::string::npos) {
    if (!one(s, r.lo)) return bad();
    r.hi = r.lo;
    return r;
  }
  if (!one(std::string_view(s).substr(0, dash), r.lo) || !one(std::string_view(s).substr(dash + 1), r.hi) || r.lo > r.hi)
    return bad();
  return r;
}

Result<FilterSpec> parse_filter(const json& f) {
  if (auto r = only_keys(f, "filter", {"cidrs", "protocol", "ports"}); !r) return fail(std::move(r).error());
  FilterSpec filter;
  if (auto it = f.find("cidrs"); it != f.end() && !it->is_null()) {
    if (!it->is_array()) return invalid("filter.cidrs", "must be a list of CIDRs");
    if (it->size() > kMaxCidrs) return invalid("filter.cidrs", fmt::format("at most {} CIDRs", kMaxCidrs));
    for (size_t i = 0; i < it->size(); ++i) {
      std::string field = fmt::format("filter.cidrs[{}]", i);
      if (!(*it)[i].is_string()) return invalid(field, fmt::format("{} is not a CIDR string", show((*it)[i])));
      auto c = Cidr::parse((*it)[i].get<std::string>(), field);
      if (!c) return fail(std::move(c).error());
      filter.cidrs.push_back(*c);
    }
  }
  if (auto it = f.find("protocol"); it != f.end() && !it->is_null()) {
    std::string p = it->is_string() ? it->get<std::string>() : "";
    if (p == "tcp") filter.protocol = 6;
    else if (p == "udp") filter.protocol = 17;
    else if (p == "icmp") filter.protocol = 1;
    else if (p == "any" || p == "all") filter.protocol = 0;
    else return invalid("filter.protocol", fmt::format("{} is not one of tcp, udp, icmp, any", show(*it)));
  }
  if (auto it = f.find("ports"); it != f.end() && !it->is_null()) {
    if (!it->is_array()) return invalid("filter.ports", "must be a list of ports or ranges");
    if (it->size() > kMaxPortRanges) return invalid("filter.ports", fmt::format("at most {} ports or ranges", kMaxPortRanges));
    for (size_t i = 0; i < it->size(); ++i) {
      auto p = parse_port((*it)[i], fmt::format("filter.ports[{}]", i));
      if (!p) return fail(std::move(p).error());
      filter.ports.push_back(*p);
    }
    if (!filter.ports.empty() && filter.protocol != 0 && filter.protocol != 6 && filter.protocol != 17)
      return invalid("filter.ports", "ports need protocol tcp, udp or any");
  }
  return filter;
}

}  // namespace

Result<void> check_fault_name(const std::string& name) {
  if (name.size() > kMaxNameLength)
    return invalid("name", fmt::format("longer than {} characters", kMaxNameLength));
  auto ok_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'; };
  for (char c : name)
    if (!ok_char(c))
      return invalid("name", fmt::format("'{}' may only hold a-z, 0-9, '-', '.', '_'", name));
  if (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.front())))
    return invalid("name", fmt::format("'{}' must start with a letter or digit", name));
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

const char* action_name(Action a) { return a == Action::loss ? "loss" : "delay"; }

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
  if (!doc.is_object()) return invalid("fault", fmt::format("must be an object, got {}", show(doc)));
  if (auto r = only_keys(doc, "", {"name", "target", "selector", "mode", "value", "direction", "action", "loss",
                                   "delay", "filter", "duration"});
      !r)
    return fail(std::move(r).error());
  FaultSpec spec;

  auto name = string_field(doc, "name", "name", false);
  if (!name) return fail(std::move(name).error());
  if (auto r = check_fault_name(*name); !r) return fail(std::move(r).error());
  spec.name = *name;

  auto selector = object_field(doc, "selector", "selector", false);
  if (!selector) return fail(std::move(selector).error());
  auto target = object_field(doc, "target", "target", *selector == nullptr);
  if (!target) return fail(std::move(target).error());
  if (*selector) {
    // Pods: the target may only name the device inside the pod.
    if (*target) {
      if (auto r = only_keys(**target, "target", {"interface"}); !r)
        return invalid("target", "with a selector, target may only give interface (the pods are the target)");
      auto iface = string_field(**target, "interface", "target.interface", false);
      if (!iface) return fail(std::move(iface).error());
      if (iface->size() >= 16 || iface->find('/') != std::string::npos)
        return invalid("target.interface", fmt::format("'{}' is not an interface name", *iface));
      spec.target.interface = *iface;
    }
    auto sel = parse_selector(**selector);
    if (!sel) return fail(std::move(sel).error());
    spec.target.kind = TargetKind::pods;
    spec.target.selector = std::move(*sel);
  } else {
    auto t = parse_target(**target);
    if (!t) return fail(std::move(t).error());
    spec.target = std::move(*t);
  }

  auto mode = string_field(doc, "mode", "mode", false);
  if (!mode) return fail(std::move(mode).error());
  if (mode->empty() || *mode == "all") spec.mode = SelectMode::all;
  else if (*mode == "one") spec.mode = SelectMode::one;
  else if (*mode == "fixed") spec.mode = SelectMode::fixed;
  else if (*mode == "fixed-percent") spec.mode = SelectMode::fixed_percent;
  else return invalid("mode", fmt::format("'{}' is not one of all, one, fixed, fixed-percent", *mode));
  if (spec.mode == SelectMode::fixed || spec.mode == SelectMode::fixed_percent) {
    auto it = doc.find("value");
    if (it == doc.end()) return invalid("value", fmt::format("missing (mode {} needs it)", *mode));
    auto v = number_value(*it, "value", spec.mode == SelectMode::fixed_percent);
    if (!v) return fail(std::move(v).error());
    if (spec.mode == SelectMode::fixed && (*v < 1 || *v != std::floor(*v) || *v > 100000))
      return invalid("value", fmt::format("{} is not a whole number of targets >= 1", show(*it)));
    if (spec.mode == SelectMode::fixed_percent && (*v <= 0 || *v > 100))
      return invalid("value", fmt::format("{} is outside (0, 100]", show(*it)));
    spec.mode_value = *v;
  } else if (doc.contains("value")) {
    return invalid("value", "only modes fixed and fixed-percent take a value");
  }

  auto dir = string_field(doc, "direction", "direction", false);
  if (!dir) return fail(std::move(dir).error());
  if (dir->empty() || *dir == "egress") spec.direction = Direction::egress;
  else if (*dir == "ingress") spec.direction = Direction::ingress;
  else if (*dir == "both") spec.direction = Direction::both;
  else return invalid("direction", fmt::format("'{}' is not one of egress, ingress, both", *dir));

  auto action = string_field(doc, "action", "action", true);
  if (!action) return fail(std::move(action).error());
  if (*action == "loss") spec.action = Action::loss;
  else if (*action == "delay") spec.action = Action::delay;
  else return invalid("action", fmt::format("'{}' is not one of loss, delay", *action));

  const char* own = spec.action == Action::loss ? "loss" : "delay";
  const char* other = spec.action == Action::loss ? "delay" : "loss";
  if (doc.contains(other) && !doc[other].is_null())
    return invalid(other, fmt::format("given, but action is {}", own));
  auto params = object_field(doc, own, own, true);
  if (!params) return fail(std::move(params).error());
  const json& p = **params;
  if (spec.action == Action::loss) {
    if (auto r = only_keys(p, "loss", {"percent", "correlation"}); !r) return fail(std::move(r).error());
    auto pct = percent_field(p, "percent", "loss.percent", true, 100, true);
    if (!pct) return fail(std::move(pct).error());
    auto corr = percent_field(p, "correlation", "loss.correlation", false, 100, false);
    if (!corr) return fail(std::move(corr).error());
    spec.loss = {*pct, *corr};
  } else {
    if (auto r = only_keys(p, "delay", {"latency", "jitter", "correlation", "reorder"}); !r)
      return fail(std::move(r).error());
    auto lat = duration_field(p, "latency", "delay.latency", true);
    if (!lat) return fail(std::move(lat).error());
    if (*lat == 0) return invalid("delay.latency", "must be greater than 0");
    if (*lat > kMaxLatencyNs)
      return invalid("delay.latency", fmt::format("{} is beyond fq's horizon ({}); fq would drop such packets",
                                                  format_duration(*lat), format_duration(kMaxLatencyNs)));
    auto jit = duration_field(p, "jitter", "delay.jitter", false);
    if (!jit) return fail(std::move(jit).error());
    if (*jit > *lat)
      return invalid("delay.jitter", fmt::format("{} is larger than the latency {}", format_duration(*jit),
                                                 format_duration(*lat)));
    if (*lat + *jit > kMaxLatencyNs)
      return invalid("delay.jitter", fmt::format("latency + jitter ({}) is beyond fq's horizon ({})",
                                                 format_duration(*lat + *jit), format_duration(kMaxLatencyNs)));
    auto corr = percent_field(p, "correlation", "delay.correlation", false, 100, false);
    if (!corr) return fail(std::move(corr).error());
    bool reorder = false;
    if (auto it = p.find("reorder"); it != p.end()) {
      if (!it->is_boolean()) return invalid("delay.reorder", "must be true or false");
      reorder = it->get<bool>();
    }
    spec.delay = {*lat, *jit, *corr, reorder};
  }

  if (auto f = object_field(doc, "filter", "filter", false); !f) {
    return fail(std::move(f).error());
  } else if (*f) {
    auto filter = parse_filter(**f);
    if (!filter) return fail(std::move(filter).error());
    spec.filter = std::move(*filter);
  }

  auto duration = duration_field(doc, "duration", "duration", true);
  if (!duration) return fail(std::move(duration).error());
  if (*duration == 0) return invalid("duration", "must be greater than 0");
  if (*duration > kMaxDurationNs)
    return invalid("duration", fmt::format("{} is over the maximum of {}", format_duration(*duration),
                                           format_duration(kMaxDurationNs)));
  spec.duration_ns = *duration;
  return spec;
}

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
  if (spec.action == Action::loss) {
    doc["loss"] = {{"percent", spec.loss.percent}, {"correlation", spec.loss.correlation}};
  } else {
    doc["delay"] = {{"latency", format_duration(spec.delay.latency_ns)},
                    {"jitter", format_duration(spec.delay.jitter_ns)},
                    {"correlation", spec.delay.correlation},
                    {"reorder", spec.delay.reorder}};
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
  return doc;
}

bool filters_overlap(const FilterSpec& a, const FilterSpec& b) {
  if (a.protocol != 0 && b.protocol != 0 && a.protocol != b.protocol) return false;
  if (!a.cidrs.empty() && !b.cidrs.empty()) {
    bool any = false;
    for (const auto& x : a.cidrs)
      for (const auto& y : b.cidrs) any = any || x.overlaps(y);
    if (!any) return false;
  }
  // Ports match either side of a packet, so a port from each list can meet
  // in one packet (source from one, destination from the other): port
  // filters never make two faults disjoint.
  return true;
}

}  // namespace seismo::chaos
