#include "cluster/status_body.h"

#include <ctime>

#include <fmt/format.h>

#include "crd/network_fault.h"

namespace seismo::cluster {
namespace {

using nlohmann::json;

json header(const std::string& ns, const std::string& name) {
  return {{"apiVersion", crd::kApiVersion}, {"kind", crd::kKind}, {"metadata", {{"name", name}, {"namespace", ns}}}};
}

const json& nodes_of(const json& object) {
  static const json kEmpty = json::array();
  auto s = object.find("status");
  if (s == object.end() || !s->is_object()) return kEmpty;
  auto n = s->find("nodes");
  return n != s->end() && n->is_array() ? *n : kEmpty;
}

json condition(const char* type, bool value, const char* reason, std::string message) {
  return {{"type", type}, {"status", value ? "True" : "False"}, {"reason", reason}, {"message", std::move(message)}};
}

// The object's condition of `type`, or null.
json find_condition(const json& object, const std::string& type) {
  auto s = object.find("status");
  if (s == object.end() || !s->is_object()) return nullptr;
  auto c = s->find("conditions");
  if (c == s->end() || !c->is_array()) return nullptr;
  for (const auto& cond : *c) {
    if (cond.is_object() && cond.value("type", "") == type) return cond;
  }
  return nullptr;
}

}  // namespace

std::string rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

json node_entry_body(const NodeStatusEntry& entry, const std::string& node, const std::string& updated) {
  json body = header(entry.namespace_name, entry.name);
  json e = {{"node", node},
            {"phase", phase_name(entry.phase)},
            {"pods", entry.pods},
            {"counters", {{"passed", entry.passed}, {"dropped", entry.dropped}, {"delayed", entry.delayed}}},
            {"message", entry.message},
            {"observedGeneration", entry.observed_generation},
            {"updated", updated}};
  body["status"] = {{"nodes", json::array({std::move(e)})}};
  return body;
}

json summary_of(const json& object) {
  int64_t injected_nodes = 0;
  int64_t pods = 0;
  bool all_injected = true;
  bool any_injected = false;
  for (const auto& n : nodes_of(object)) {
    if (!n.is_object()) continue;
    std::string phase = n.value("phase", "");
    auto p = n.find("pods");
    std::size_t count = p != n.end() && p->is_array() ? p->size() : 0;
    if (phase == "Injected" || phase == "Aborted") {  // an aborted fault stays installed until its end
      ++injected_nodes;
      pods += static_cast<int64_t>(count);
      any_injected = true;
    } else if (count > 0) {
      all_injected = false;
    }
  }
  all_injected = all_injected && any_injected;
  json conditions = json::array();
  conditions.push_back(condition("AllInjected", all_injected, all_injected ? "Injected" : "NotInjected",
                                 fmt::format("{} node(s) injected", injected_nodes)));
  conditions.push_back(condition("AllRecovered", !any_injected, any_injected ? "Injected" : "Recovered",
                                 fmt::format("{} node(s) still injected", injected_nodes)));
  return {{"injectedNodes", injected_nodes}, {"pods", pods}, {"conditions", std::move(conditions)}};
}

bool summary_differs(const json& object, const json& summary) {
  auto s = object.find("status");
  if (s == object.end() || !s->is_object()) return true;
  if (s->value("injectedNodes", int64_t{-1}) != summary["injectedNodes"].get<int64_t>()) return true;
  if (s->value("pods", int64_t{-1}) != summary["pods"].get<int64_t>()) return true;
  for (const auto& c : summary["conditions"]) {
    json live = find_condition(object, c["type"].get<std::string>());
    if (live.is_null() || live.value("status", "") != c["status"] || live.value("message", "") != c["message"])
      return true;
  }
  return false;
}

json summary_body(const json& object, const json& summary, const std::string& now) {
  auto meta = object.find("metadata");
  json body = header(meta != object.end() ? meta->value("namespace", "") : "",
                     meta != object.end() ? meta->value("name", "") : "");
  json conditions = json::array();
  for (auto c : summary["conditions"]) {
    json live = find_condition(object, c["type"].get<std::string>());
    bool same = !live.is_null() && live.value("status", "") == c["status"];
    c["lastTransitionTime"] = same && live.contains("lastTransitionTime") ? live["lastTransitionTime"] : json(now);
    conditions.push_back(std::move(c));
  }
  body["status"] = {{"injectedNodes", summary["injectedNodes"]},
                    {"pods", summary["pods"]},
                    {"conditions", std::move(conditions)}};
  return body;
}

}  // namespace seismo::cluster
