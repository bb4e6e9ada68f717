#include "chaos/spec_target.h"

#include <fmt/format.h>

#include "chaos/spec_fields.h"
#include "pods/label_selector.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

// A DNS-1123 label (namespaces) or subdomain (pod names).
bool dns_name(std::string_view s, size_t max_len, bool dots) {
  if (s.empty() || s.size() > max_len) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : s)
    if (!alnum(c) && c != '-' && !(dots && c == '.')) return false;
  return alnum(s.front()) && alnum(s.back());
}

}  // namespace

Result<TargetSpec> parse_target(const json& t) {
  if (auto r = only_known_keys(t, "target", {"netns", "pid", "cgroup", "by", "interface", "host_network"}); !r)
    return fail(std::move(r).error());
  TargetSpec target;
  int kinds = 0;
  if (t.contains("netns")) {
    auto s = string_field(t, "netns", "target.netns", true);
    if (!s) return fail(std::move(s).error());
    if (s->empty() || s->find('/') != std::string::npos)
      return invalid_field("target.netns", fmt::format("'{}' is not a network namespace name (as in /run/netns/NAME)", *s));
    target.kind = TargetKind::netns;
    target.netns = *s;
    ++kinds;
  }
  if (t.contains("pid")) {
    const json& p = t["pid"];
    if (!p.is_number_integer() || p.get<int64_t>() <= 0 || p.get<int64_t>() > 0x3fffffff)
      return invalid_field("target.pid", fmt::format("{} is not a process id", show_json(p)));
    target.kind = TargetKind::pid;
    target.pid = static_cast<pid_t>(p.get<int64_t>());
    ++kinds;
  }
  if (t.contains("cgroup")) {
    auto s = string_field(t, "cgroup", "target.cgroup", true);
    if (!s) return fail(std::move(s).error());
    if (s->empty() || s->find("..") != std::string::npos)
      return invalid_field("target.cgroup", fmt::format("'{}' is not a cgroup path", *s));
    target.kind = TargetKind::cgroup;
    target.cgroup = *s;
    ++kinds;
  }
  if (kinds != 1) return invalid_field("target", "give exactly one of netns, pid, cgroup");
  if (t.contains("by")) {
    auto by = string_field(t, "by", "target.by", true);
    if (!by) return fail(std::move(by).error());
    if (target.kind != TargetKind::cgroup)
      return invalid_field("target.by", "only with target.cgroup (by: socket selects a cgroup's own packets)");
    if (*by != "socket" && *by != "netns")
      return invalid_field("target.by", fmt::format("'{}' is not one of socket, netns", *by));
    target.by_socket = *by == "socket";
  }
  auto iface = string_field(t, "interface", "target.interface", false);
  if (!iface) return fail(std::move(iface).error());
  if (iface->size() >= 16 || iface->find('/') != std::string::npos)
    return invalid_field("target.interface", fmt::format("'{}' is not an interface name", *iface));
  target.interface = *iface;
  if (auto it = t.find("host_network"); it != t.end()) {
    if (!it->is_boolean()) return invalid_field("target.host_network", "must be true or false");
    target.host_network = it->get<bool>();
  }
  return target;
}

Result<PodSelectorSpec> parse_selector(const json& sel) {
  if (auto r = only_known_keys(sel, "selector", {"namespaces", "labelSelectors", "pods"}); !r)
    return fail(std::move(r).error());
  PodSelectorSpec out;
  if (auto it = sel.find("namespaces"); it != sel.end() && !it->is_null()) {
    if (!it->is_array()) return invalid_field("selector.namespaces", "must be a list of namespace names");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      if (!v.is_string() || !dns_name(v.get_ref<const std::string&>(), 63, false))
        return invalid_field(fmt::format("selector.namespaces[{}]", i), fmt::format("{} is not a namespace name", show_json(v)));
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
          return invalid_field(fmt::format("selector.labelSelectors.{}", k), fmt::format("{} is not a string", show_json(v)));
        equals[k] = v.get<std::string>();
      }
      parsed = pods::LabelSelector::from_map(equals);
      for (const auto& [k, v] : equals) out.label_selector += (out.label_selector.empty() ? "" : ",") + k + "=" + v;
    } else {
      return invalid_field("selector.labelSelectors", "must be a map of label: value, or a selector string \"app=web\"");
    }
    if (!parsed) return invalid_field("selector.labelSelectors", parsed.error().message());
  }
  if (auto it = sel.find("pods"); it != sel.end() && !it->is_null()) {
    if (!it->is_object()) return invalid_field("selector.pods", "must be a map of namespace: [pod names]");
    for (const auto& [ns, names] : it->items()) {
      std::string field = fmt::format("selector.pods.{}", ns);
      if (!dns_name(ns, 63, false)) return invalid_field(field, "the key is not a namespace name");
      if (!names.is_array() || names.empty()) return invalid_field(field, "must be a non-empty list of pod names");
      for (size_t i = 0; i < names.size(); ++i) {
        const json& v = names[i];
        if (!v.is_string() || !dns_name(v.get_ref<const std::string&>(), 253, true))
          return invalid_field(fmt::format("{}[{}]", field, i), fmt::format("{} is not a pod name", show_json(v)));
        out.pods[ns].push_back(v.get<std::string>());
      }
    }
  }
  if (out.namespaces.empty() && out.label_selector.empty() && out.pods.empty())
    return invalid_field("selector", "give namespaces, labelSelectors or pods (an empty selector would take every pod)");
  return out;
}

}  // namespace seismo::chaos
