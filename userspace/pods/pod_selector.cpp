// PodSelector's matching (Chaos Mesh's pkg/selector/pod semantics); its
// JSON form lives in pod_selector_json.cpp.
#include "pods/pod_selector.h"

#include <algorithm>

#include <fmt/format.h>

namespace seismo::pods {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// Every key=value of `want` is in `have`.
bool has_all(const std::map<std::string, std::string>& have, const std::map<std::string, std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&](const auto& kv) {
    auto it = have.find(kv.first);
    return it != have.end() && it->second == kv.second;
  });
}

// podPhaseSelectors: "Running" includes a phase, "!Failed" excludes one. With
// no includes every phase not excluded matches (Chaos Mesh's phaseSelector,
// which reads the list as label requirements Exists / DoesNotExist).
bool phase_matches(const std::vector<std::string>& phases, const std::string& phase) {
  bool any_include = false;
  bool included = false;
  for (const auto& p : phases) {
    if (p.starts_with("!")) {
      if (std::string_view(p).substr(1) == phase) return false;
      continue;
    }
    any_include = true;
    if (p == phase) included = true;
  }
  return !any_include || included;
}

// nodes and nodeSelectors name one set of nodes together (Chaos Mesh joins
// the named nodes and the label-selected ones). Unlike Chaos Mesh, a
// nodeSelectors that matches no node selects no pod (Chaos Mesh's empty node
// list falls back to "every node").
bool node_matches(const PodSelector& s, const Pod& pod, const std::map<std::string, std::string>& node_labels) {
  if (s.nodes.empty() && s.node_selectors.empty()) return true;
  if (pod.node_name.empty()) return false;
  if (contains(s.nodes, pod.node_name)) return true;
  return !s.node_selectors.empty() && !node_labels.empty() && has_all(node_labels, s.node_selectors);
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

std::string requirement_query(const LabelSelector::Requirement& r) {
  using Op = LabelSelector::Op;
  switch (r.op) {
    case Op::equals: return fmt::format("{}={}", r.key, r.values.empty() ? "" : r.values.front());
    case Op::not_equals: return fmt::format("{}!={}", r.key, r.values.empty() ? "" : r.values.front());
    case Op::in: return fmt::format("{} in ({})", r.key, join(r.values));
    case Op::not_in: return fmt::format("{} notin ({})", r.key, join(r.values));
    case Op::exists: return r.key;
    case Op::not_exists: return "!" + r.key;
  }
  return r.key;
}

}  // namespace

bool PodSelector::matches(const Pod& pod, const std::map<std::string, std::string>& node_labels) const {
  if (pod.deleting) return false;
  if (!pods.empty()) {
    auto it = pods.find(pod.namespace_name);
    return it != pods.end() && contains(it->second, pod.name);
  }
  if (!namespaces.empty() && !contains(namespaces, pod.namespace_name)) return false;
  if (!has_all(pod.labels, label_selectors)) return false;
  if (!expression_selectors.matches(pod.labels)) return false;
  if (!has_all(pod.annotations, annotation_selectors)) return false;
  if (!phase_matches(phases, pod.phase)) return false;
  return node_matches(*this, pod, node_labels);
}

std::string PodSelector::label_query() const {
  if (!pods.empty()) return "";
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += ',';
    out += part;
  };
  for (const auto& [k, v] : label_selectors) add(k + "=" + v);
  for (const auto& r : expression_selectors.requirements()) add(requirement_query(r));
  return out;
}

std::string PodSelector::node_label_query() const {
  if (!pods.empty()) return "";
  std::string out;
  for (const auto& [k, v] : node_selectors) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::string PodSelector::single_namespace() const {
  if (!pods.empty()) return pods.size() == 1 ? pods.begin()->first : "";
  if (namespaces.size() == 1) return namespaces.front();
  if (namespaces.empty()) return "";
  // The same namespace named twice is still one.
  bool all_same = std::all_of(namespaces.begin(), namespaces.end(), [&](const auto& n) { return n == namespaces.front(); });
  return all_same ? namespaces.front() : "";
}

}  // namespace seismo::pods
