// The NetworkFault resource read from JSON (crd/network_fault.h): every field
// checked, every error naming its path, nothing unknown let through.
#include "crd/network_fault.h"

#include <cctype>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>

#include "common/duration.h"
#include "common/json_fields.h"
#include "crd/spec_values.h"

namespace seismo::crd {

using json_fields::error;
using json_fields::join;
using nlohmann::json;

namespace {

constexpr size_t kMaxNameLen = 253;  // metadata.name: a DNS subdomain
constexpr size_t kMaxIdLen = 128;    // uid, resourceVersion
// labels and annotations: the document's 64 KiB bounds them already; these
// keep one map from taking it all in entries the reader then walks.
constexpr size_t kMaxMetadataEntries = 256;
constexpr size_t kMaxMetadataValue = 16384;

// The spec fields, in the order docs/cluster.md lists them. The CRD schema's
// properties must be exactly these (tests/unit/crd_schema_test.cpp).
const std::vector<std::string_view> kSpecFields = {"action",          "mode",     "value", "selector", "direction",
                                                   "target",          "delay",    "loss",  "duration", "ports",
                                                   "externalTargets", "protocol", "seed", "duplicate", "corrupt",
                                                   "bandwidth", "guard"};

const std::vector<std::string_view> kGuardFields = {"window",           "dropped",       "delayed",
                                                    "tcpRetransmits",   "tcpResets",     "tcpResetsSent",
                                                    "tcpResetsReceived", "tcpConnectFailures"};

template <class E, size_t N>
Result<E> one_of(const json& v, const std::string& field, const std::pair<E, const char*> (&names)[N]) {
  auto text = json_fields::string_of(v, field, 32);
  if (!text) return fail(std::move(text).error());
  std::string list;
  for (const auto& [value, name] : names) {
    if (*text == name) return value;
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return error(field, fmt::format("'{}' is not one of {}", *text, list));
}

constexpr std::pair<FaultAction, const char*> kActions[] = {
    {FaultAction::loss, "loss"},           {FaultAction::delay, "delay"},     {FaultAction::netem, "netem"},
    {FaultAction::bandwidth, "bandwidth"}, {FaultAction::duplicate, "duplicate"}, {FaultAction::corrupt, "corrupt"},
    {FaultAction::partition, "partition"}};
constexpr std::pair<TrafficDirection, const char*> kDirections[] = {
    {TrafficDirection::to, "to"}, {TrafficDirection::from, "from"}, {TrafficDirection::both, "both"}};

// delay.reorder: {reorder, correlation, gap} (Chaos Mesh's ReorderSpec).
Result<ReorderFields> parse_reorder(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {reorder, correlation, gap}");
  if (auto ok = json_fields::only_known(v, field, {"reorder", "correlation", "gap"}); !ok)
    return fail(std::move(ok).error());
  if (!v.contains("reorder")) return error(join(field, "reorder"), "required (a percent, e.g. \"25\")");
  ReorderFields r;
  auto pct = parse_percent(v["reorder"], join(field, "reorder"), false);
  if (!pct) return fail(std::move(pct).error());
  r.reorder = *pct;
  if (v.contains("correlation")) {
    auto c = parse_percent(v["correlation"], join(field, "correlation"), true);
    if (!c) return fail(std::move(c).error());
    r.correlation = *c;
  }
  if (v.contains("gap")) {
    const json& g = v["gap"];
    if (!g.is_number_integer() || g.get<int64_t>() < 0 || g.get<int64_t>() > kMaxReorderGap)
      return error(join(field, "gap"), fmt::format("must be a whole number 0..{}", kMaxReorderGap));
    r.gap = static_cast<uint32_t>(g.get<int64_t>());
  }
  return r;
}

Result<DelayFields> parse_delay(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {latency, jitter, correlation, reorder}");
  if (auto ok = json_fields::only_known(v, field, {"latency", "jitter", "correlation", "reorder"}); !ok)
    return fail(std::move(ok).error());
  if (!v.contains("latency")) return error(join(field, "latency"), "required (e.g. \"100ms\")");
  DelayFields d;
  auto latency = parse_bounded_duration(v["latency"], join(field, "latency"), kMaxLatencyNs, false);
  if (!latency) return fail(std::move(latency).error());
  d.latency_ns = *latency;
  if (v.contains("jitter")) {
    auto jitter = parse_bounded_duration(v["jitter"], join(field, "jitter"), kMaxLatencyNs, true);
    if (!jitter) return fail(std::move(jitter).error());
    if (*jitter > d.latency_ns)
      return error(join(field, "jitter"), fmt::format("{} is more than the latency {} (a delay never goes below zero)",
                                                      format_duration(*jitter), format_duration(d.latency_ns)));
    if (d.latency_ns + *jitter > kMaxLatencyNs)
      return error(join(field, "jitter"),
                   fmt::format("latency + jitter ({}) is more than {}", format_duration(d.latency_ns + *jitter),
                               format_duration(kMaxLatencyNs)));
    d.jitter_ns = *jitter;
  }
  if (v.contains("correlation")) {
    auto c = parse_percent(v["correlation"], join(field, "correlation"), true);
    if (!c) return fail(std::move(c).error());
    d.correlation = *c;
  }
  if (v.contains("reorder") && !v["reorder"].is_null()) {
    auto r = parse_reorder(v["reorder"], join(field, "reorder"));
    if (!r) return fail(std::move(r).error());
    d.reorder = *r;
  }
  return d;
}

Result<LossFields> parse_loss(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {loss, correlation}");
  if (auto ok = json_fields::only_known(v, field, {"loss", "correlation"}); !ok) return fail(std::move(ok).error());
  if (!v.contains("loss")) return error(join(field, "loss"), "required (a percent, e.g. \"30\")");
  LossFields l;
  auto loss = parse_percent(v["loss"], join(field, "loss"), false);
  if (!loss) return fail(std::move(loss).error());
  l.loss = *loss;
  if (v.contains("correlation")) {
    auto c = parse_percent(v["correlation"], join(field, "correlation"), true);
    if (!c) return fail(std::move(c).error());
    l.correlation = *c;
  }
  return l;
}

// Chaos Mesh's {<key>: percent, correlation} (duplicate, corrupt): the percent
// and the correlation, in that order.
Result<std::pair<double, double>> parse_picked(const json& v, const std::string& field, const std::string& key) {
  if (!v.is_object()) return error(field, fmt::format("must be an object {{{}, correlation}}", key));
  if (auto ok = json_fields::only_known(v, field, {key, "correlation"}); !ok) return fail(std::move(ok).error());
  if (!v.contains(key)) return error(join(field, key), "required (a percent, e.g. \"10\")");
  auto pct = parse_percent(v[key], join(field, key), false);
  if (!pct) return fail(std::move(pct).error());
  double corr = 0;
  if (v.contains("correlation")) {
    auto c = parse_percent(v["correlation"], join(field, "correlation"), true);
    if (!c) return fail(std::move(c).error());
    corr = *c;
  }
  return std::pair{*pct, corr};
}

// A byte count of Chaos Mesh's (uint32 limit/buffer/minburst, uint64 peakrate).
Result<uint64_t> parse_bytes(const json& v, const std::string& field, uint64_t min, uint64_t max) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    return error(field, fmt::format("must be a whole number of bytes, not {}", json_fields::type_name(v)));
  const uint64_t n = v.get<uint64_t>();
  if (n < min || n > max) return error(field, fmt::format("{} is outside {} to {}", n, min, max));
  return n;
}

Result<BandwidthFields> parse_bandwidth(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {rate, limit, buffer, peakrate, minburst}");
  if (auto ok = json_fields::only_known(v, field, {"rate", "limit", "buffer", "peakrate", "minburst"}); !ok)
    return fail(std::move(ok).error());
  BandwidthFields b;
  if (!v.contains("rate")) return error(join(field, "rate"), "required (e.g. \"10mbit\"; \"1mbps\" is 1 megabyte/s)");
  auto rate = json_fields::string_of(v["rate"], join(field, "rate"), 32);
  if (!rate) return fail(std::move(rate).error());
  if (rate->empty() || !std::isdigit(static_cast<unsigned char>(rate->front())))
    return error(join(field, "rate"), fmt::format("'{}' is not a rate (e.g. \"10mbit\")", *rate));
  b.rate = std::move(*rate);
  for (const char* key : {"limit", "buffer"}) {
    if (!v.contains(key)) return error(join(field, key), "required (bytes, at least 1)");
    auto n = parse_bytes(v[key], join(field, key), 1, UINT32_MAX);
    if (!n) return fail(std::move(n).error());
    (std::string_view(key) == "limit" ? b.limit : b.buffer) = *n;
  }
  if (v.contains("peakrate") && !v["peakrate"].is_null()) {
    auto n = parse_bytes(v["peakrate"], join(field, "peakrate"), 0, UINT64_MAX);
    if (!n) return fail(std::move(n).error());
    b.peakrate = *n;
  }
  if (v.contains("minburst") && !v["minburst"].is_null()) {
    auto n = parse_bytes(v["minburst"], join(field, "minburst"), 0, UINT32_MAX);
    if (!n) return fail(std::move(n).error());
    b.minburst = *n;
  }
  return b;
}

// Chaos Mesh's {selector, mode, value}: the spec itself and `target`.
Result<void> parse_pick(const json& v, const std::string& path, pods::PodSelector& selector, pods::PickMode& mode,
                        std::string& value) {
  if (!v.contains("selector")) return error(join(path, "selector"), "required");
  auto s = pods::parse_pod_selector(v["selector"], join(path, "selector"));
  if (!s) return fail(std::move(s).error());
  selector = std::move(*s);
  if (!v.contains("mode"))
    return error(join(path, "mode"), "required (one, all, fixed, fixed-percent, random-max-percent)");
  auto mode_text = json_fields::string_of(v["mode"], join(path, "mode"), 32);
  if (!mode_text) return fail(std::move(mode_text).error());
  auto m = pods::parse_pick_mode(*mode_text);
  if (!m) return error(join(path, "mode"), m.error().context);
  mode = *m;
  value.clear();
  if (v.contains("value")) {
    auto val = parse_mode_value(v["value"], join(path, "value"));
    if (!val) return fail(std::move(val).error());
    value = std::move(*val);
  }
  return pods::check_pick_value(mode, value, join(path, "value"));
}

Result<PodTarget> parse_target(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {selector, mode, value}");
  if (auto ok = json_fields::only_known(v, field, {"selector", "mode", "value"}); !ok)
    return fail(std::move(ok).error());
  PodTarget t;
  if (auto ok = parse_pick(v, field, t.selector, t.mode, t.value); !ok) return fail(std::move(ok).error());
  return t;
}

// Which of delay and loss the action needs, and nothing it would ignore.
Result<void> check_action_fields(const NetworkFaultSpec& s) {
  const bool loss = s.action == FaultAction::loss;
  const bool delay = s.action == FaultAction::delay;
  if (loss && !s.loss) return error("spec.loss", "required for action 'loss' (e.g. {loss: \"30\"})");
  if (delay && !s.delay) return error("spec.delay", "required for action 'delay' (e.g. {latency: \"100ms\"})");
  if (loss && s.delay)
    return error("spec.delay", "given with action 'loss', which would ignore it (use action 'netem' for both)");
  if (delay && s.loss)
    return error("spec.loss", "given with action 'delay', which would ignore it (use action 'netem' for both)");
  const bool bandwidth = s.action == FaultAction::bandwidth;
  if (bandwidth && !s.bandwidth)
    return error("spec.bandwidth", "required for action 'bandwidth' (e.g. {rate: \"10mbit\", limit: 20000, buffer: "
                                   "10000})");
  if (bandwidth && (s.loss || s.delay))
    return error(s.loss ? "spec.loss" : "spec.delay", "given with action 'bandwidth', which would ignore it");
  if (!bandwidth && s.bandwidth)
    return error("spec.bandwidth", fmt::format("given with action '{}', which would ignore it", action_name(s.action)));
  if (s.action == FaultAction::netem && !s.loss && !s.delay)
    return error("spec", "action 'netem' needs delay, loss or both");
  // duplicate and corrupt: their own block (netem may carry them too, as
  // Chaos Mesh's does), and no other action's.
  const bool netem = s.action == FaultAction::netem;
  const bool dup = s.action == FaultAction::duplicate, bad = s.action == FaultAction::corrupt;
  if (dup && !s.duplicate) return error("spec.duplicate", "required for action 'duplicate' (e.g. {duplicate: \"10\"})");
  if (bad && !s.corrupt) return error("spec.corrupt", "required for action 'corrupt' (e.g. {corrupt: \"10\"})");
  if (!dup && !netem && s.duplicate)
    return error("spec.duplicate", fmt::format("given with action '{}', which would ignore it", action_name(s.action)));
  if (!bad && !netem && s.corrupt)
    return error("spec.corrupt", fmt::format("given with action '{}', which would ignore it", action_name(s.action)));
  if ((dup || bad) && (s.loss || s.delay))
    return error(s.loss ? "spec.loss" : "spec.delay",
                 fmt::format("given with action '{}', which would ignore it", action_name(s.action)));
  constexpr const char* kNoParams = "given with action 'partition', which has no parameters (it drops every packet)";
  if (s.action == FaultAction::partition && s.loss) return error("spec.loss", kNoParams);
  if (s.action == FaultAction::partition && s.delay) return error("spec.delay", kNoParams);
  if (s.protocol == "icmp" && !s.ports.empty()) return error("spec.ports", "ICMP has no ports (protocol is icmp)");
  return {};
}

Result<void> parse_spec_member(NetworkFaultSpec& s, const std::string& key, const json& v) {
  const std::string field = "spec." + key;
  if (key == "action") {
    auto a = one_of(v, field, kActions);
    if (!a) return fail(std::move(a).error());
    s.action = *a;
  } else if (key == "direction") {
    auto d = one_of(v, field, kDirections);
    if (!d) return fail(std::move(d).error());
    s.direction = *d;
  } else if (key == "target") {
    auto t = parse_target(v, field);
    if (!t) return fail(std::move(t).error());
    s.target = std::move(*t);
  } else if (key == "externalTargets") {
    auto t = parse_external_targets(v, field);
    if (!t) return fail(std::move(t).error());
    s.external_targets = std::move(*t);
  } else if (key == "delay") {
    auto d = parse_delay(v, field);
    if (!d) return fail(std::move(d).error());
    s.delay = *d;
  } else if (key == "loss") {
    auto l = parse_loss(v, field);
    if (!l) return fail(std::move(l).error());
    s.loss = *l;
  } else if (key == "duplicate") {
    auto d = parse_picked(v, field, "duplicate");
    if (!d) return fail(std::move(d).error());
    s.duplicate = DuplicateFields{d->first, d->second};
  } else if (key == "corrupt") {
    auto c = parse_picked(v, field, "corrupt");
    if (!c) return fail(std::move(c).error());
    s.corrupt = CorruptFields{c->first, c->second};
  } else if (key == "bandwidth") {
    auto b = parse_bandwidth(v, field);
    if (!b) return fail(std::move(b).error());
    s.bandwidth = std::move(*b);
  } else if (key == "duration") {
    auto d = parse_bounded_duration(v, field, kMaxFaultDurationNs, false);
    if (!d) return fail(std::move(d).error());
    s.duration_ns = *d;
  } else if (key == "ports") {
    auto p = parse_ports(v, field);
    if (!p) return fail(std::move(p).error());
    s.ports = std::move(*p);
  } else if (key == "protocol") {
    auto p = json_fields::string_of(v, field, 8);
    if (!p) return fail(std::move(p).error());
    if (*p != "tcp" && *p != "udp" && *p != "icmp")
      return error(field, fmt::format("'{}' is not one of tcp, udp, icmp", *p));
    s.protocol = std::move(*p);
  } else if (key == "guard") {
    if (!v.is_object()) return error(field, fmt::format("must be an object of budgets, not {}", json_fields::type_name(v)));
    if (auto ok = json_fields::only_known(v, field, kGuardFields); !ok) return fail(std::move(ok).error());
    s.guard = v;
  } else if (key == "seed") {
    auto seed = parse_seed(v, field);
    if (!seed) return fail(std::move(seed).error());
    s.seed = *seed;
  }
  return {};  // mode, value, selector: parse_pick
}

// A selector asking nothing is the object's own namespace, as Chaos Mesh's
// webhook defaults it: an experiment never reaches the whole cluster unasked.
void default_namespace(pods::PodSelector& s, const std::string& ns) {
  if (s.namespaces.empty() && s.pods.empty()) s.namespaces.push_back(ns);
}

Result<NetworkFaultSpec> parse_spec(const json& v, const std::string& object_namespace) {
  if (!v.is_object()) return error("spec", fmt::format("must be an object, not {}", json_fields::type_name(v)));
  if (auto ok = json_fields::only_known(v, "spec", kSpecFields); !ok) return fail(std::move(ok).error());
  NetworkFaultSpec s;
  if (!v.contains("action"))
    return error("spec.action", "required (loss, delay, netem, bandwidth, duplicate, corrupt, partition)");
  if (!v.contains("duration"))
    return error("spec.duration", "required (e.g. \"5m\", at most 24h): every fault expires in the kernel");
  for (const auto& [key, value] : v.items())
    if (auto ok = parse_spec_member(s, key, value); !ok) return fail(std::move(ok).error());
  if (auto ok = parse_pick(v, "spec", s.selector, s.mode, s.value); !ok) return fail(std::move(ok).error());
  default_namespace(s.selector, object_namespace);
  if (s.target) default_namespace(s.target->selector, object_namespace);
  if (auto ok = check_action_fields(s); !ok) return fail(std::move(ok).error());
  return s;
}

// "2026-11-29T04:00:00Z" (RFC 3339 in UTC, as the API server writes it).
Result<int64_t> parse_timestamp(const json& v, const std::string& field) {
  auto text = json_fields::string_of(v, field, 40);
  if (!text) return fail(std::move(text).error());
  std::tm tm{};
  const char* end = strptime(text->c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (std::string_view(end) != "Z" && std::string_view(end) != "+00:00"))
    return error(field, fmt::format("'{}' is not an RFC 3339 UTC time (2026-11-29T04:00:00Z)", *text));
  return static_cast<int64_t>(timegm(&tm));
}

// A DNS subdomain (dots allowed) or label: lowercase alphanumerics and '-',
// alphanumeric at both ends.
bool dns_name(std::string_view s, size_t max, bool dots) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > max || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && !(dots && c == '.')) return false;
  return true;
}

Result<void> parse_metadata(const json& m, bool require_identity, NetworkFault& f) {
  if (!m.is_object()) return error("metadata", "must be an object");
  auto str = [&](const char* key, size_t max, std::string& out, bool required) -> Result<void> {
    if (!m.contains(key) || m[key].is_null())
      return required ? Result<void>(error(join("metadata", key), "required")) : Result<void>();
    auto s = json_fields::string_of(m[key], join("metadata", key), max);
    if (!s) return fail(std::move(s).error());
    out = std::move(*s);
    return {};
  };
  if (auto ok = str("name", kMaxNameLen, f.name, true); !ok) return ok;
  if (!dns_name(f.name, kMaxNameLen, true))
    return error("metadata.name",
                 fmt::format("'{}' is not a DNS subdomain (lowercase letters, digits, '-', '.')", f.name));
  if (auto ok = str("namespace", 63, f.namespace_name, require_identity); !ok) return ok;
  if (f.namespace_name.empty()) f.namespace_name = "default";  // where kubectl puts an object that names none
  if (!dns_name(f.namespace_name, 63, false))
    return error("metadata.namespace", fmt::format("'{}' is not a namespace name", f.namespace_name));
  for (const char* key : {"labels", "annotations"})
    if (m.contains(key) && !m[key].is_null())
      if (auto ok = json_fields::string_map(m[key], join("metadata", key), kMaxMetadataEntries, kMaxMetadataValue); !ok)
        return fail(std::move(ok).error());
  if (auto ok = str("uid", kMaxIdLen, f.uid, require_identity); !ok) return ok;
  if (auto ok = str("resourceVersion", kMaxIdLen, f.resource_version, require_identity); !ok) return ok;
  if (m.contains("generation") && !m["generation"].is_null()) {
    if (!m["generation"].is_number_integer()) return error("metadata.generation", "must be an integer");
    f.generation = m["generation"].get<int64_t>();
  }
  if (m.contains("creationTimestamp") && !m["creationTimestamp"].is_null()) {
    auto t = parse_timestamp(m["creationTimestamp"], "metadata.creationTimestamp");
    if (!t) return fail(std::move(t).error());
    f.created_unix = *t;
  } else if (require_identity) {
    return error("metadata.creationTimestamp", "required");
  }
  if (m.contains("annotations") && m["annotations"].is_object() && m["annotations"].contains(kPauseAnnotation)) {
    const auto& p = m["annotations"][kPauseAnnotation];
    f.paused = p.is_string() && p.get<std::string>() == "true";
  }
  return {};
}

}  // namespace

const char* action_name(FaultAction a) {
  for (const auto& [value, name] : kActions)
    if (value == a) return name;
  return "?";
}

const char* direction_name(TrafficDirection d) {
  for (const auto& [value, name] : kDirections)
    if (value == d) return name;
  return "?";
}

const std::vector<std::string_view>& spec_field_names() { return kSpecFields; }

std::string NetworkFault::ranking_key() const { return spec.seed ? fmt::format("{}", *spec.seed) : uid; }

Result<NetworkFault> parse_network_fault(const json& object, bool require_identity) {
  if (!object.is_object())
    return error("document", fmt::format("must be an object, not {}", json_fields::type_name(object)));
  if (auto ok = json_fields::only_known(object, "", {"apiVersion", "kind", "metadata", "spec", "status"}); !ok)
    return fail(std::move(ok).error());
  if (!object.contains("apiVersion") || object["apiVersion"] != kApiVersion)
    return error("apiVersion", fmt::format("must be {}", kApiVersion));
  if (!object.contains("kind") || object["kind"] != kKind) return error("kind", fmt::format("must be {}", kKind));
  if (!object.contains("metadata")) return error("metadata", "required (at least a name)");
  NetworkFault f;
  if (auto ok = parse_metadata(object["metadata"], require_identity, f); !ok) return fail(std::move(ok).error());
  if (!object.contains("spec")) return error("spec", "required");
  auto spec = parse_spec(object["spec"], f.namespace_name);
  if (!spec) return fail(std::move(spec).error());
  f.spec = std::move(*spec);
  return f;
}

const std::vector<std::string_view>& guard_field_names() { return kGuardFields; }

json spec_to_json(const NetworkFaultSpec& s) {
  json out = {{"action", action_name(s.action)},
              {"mode", pods::pick_mode_name(s.mode)},
              {"selector", pods::to_json(s.selector)},
              {"direction", direction_name(s.direction)},
              {"duration", format_duration(s.duration_ns)}};
  if (!s.value.empty()) out["value"] = s.value;
  if (s.target) {
    out["target"] = {{"selector", pods::to_json(s.target->selector)}, {"mode", pods::pick_mode_name(s.target->mode)}};
    if (!s.target->value.empty()) out["target"]["value"] = s.target->value;
  }
  if (!s.external_targets.empty()) out["externalTargets"] = s.external_targets;
  if (s.delay) {
    out["delay"] = {{"latency", format_duration(s.delay->latency_ns)},
                    {"jitter", format_duration(s.delay->jitter_ns)},
                    {"correlation", format_percent(s.delay->correlation)}};
    if (s.delay->reorder)
      out["delay"]["reorder"] = {{"reorder", format_percent(s.delay->reorder->reorder)},
                                 {"correlation", format_percent(s.delay->reorder->correlation)},
                                 {"gap", s.delay->reorder->gap}};
  }
  if (s.loss)
    out["loss"] = {{"loss", format_percent(s.loss->loss)}, {"correlation", format_percent(s.loss->correlation)}};
  if (s.duplicate)
    out["duplicate"] = {{"duplicate", format_percent(s.duplicate->duplicate)},
                        {"correlation", format_percent(s.duplicate->correlation)}};
  if (s.corrupt)
    out["corrupt"] = {{"corrupt", format_percent(s.corrupt->corrupt)},
                      {"correlation", format_percent(s.corrupt->correlation)}};
  if (s.bandwidth) {
    out["bandwidth"] = {{"rate", s.bandwidth->rate}, {"limit", s.bandwidth->limit}, {"buffer", s.bandwidth->buffer}};
    if (s.bandwidth->peakrate) out["bandwidth"]["peakrate"] = *s.bandwidth->peakrate;
    if (s.bandwidth->minburst) out["bandwidth"]["minburst"] = *s.bandwidth->minburst;
  }
  if (!s.ports.empty()) out["ports"] = ports_to_json(s.ports);
  if (!s.protocol.empty()) out["protocol"] = s.protocol;
  // JSON integers past int64 do not survive the API server: the full range as a string.
  if (s.seed) out["seed"] = *s.seed <= uint64_t{INT64_MAX} ? json(*s.seed) : json(fmt::format("{}", *s.seed));
  if (s.guard) out["guard"] = *s.guard;
  return out;
}

}  // namespace seismo::crd
