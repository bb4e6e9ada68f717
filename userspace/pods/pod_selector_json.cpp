// Chaos Mesh's pod selector as JSON (pods/pod_selector.h): reading it with
// every error naming the field, writing it back, comparing. Matching is in
// pods/pod_selector.cpp.
#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "common/json_fields.h"
#include "pods/pod_selector.h"

namespace seismo::pods {
namespace {

using json_fields::error;
using json_fields::join;
using nlohmann::json;

// Bounds on what one selector may name: far beyond a hand-written experiment,
// small enough that matching every pod of a large cluster stays cheap.
constexpr size_t kMaxEntries = 256;
constexpr size_t kMaxNameLen = 253;           // DNS subdomain: node and pod names
constexpr size_t kMaxAnnotationValue = 4096;  // annotation values are free text; ours match exactly
constexpr size_t kMaxExpressionValues = 64;

constexpr std::array<const char*, 5> kPhases = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};

struct OperatorName {
  LabelSelector::Op op;
  const char* name;
};
constexpr OperatorName kOperators[] = {{LabelSelector::Op::in, "In"},
                                       {LabelSelector::Op::not_in, "NotIn"},
                                       {LabelSelector::Op::exists, "Exists"},
                                       {LabelSelector::Op::not_exists, "DoesNotExist"}};

// A DNS label (namespaces): 1-63 of [a-z0-9-], alphanumeric at both ends.
bool dns_label(std::string_view s) {
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
  };
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

// A DNS subdomain (node and pod names): 1-253 of [a-z0-9.-], alphanumeric at both ends.
bool dns_subdomain(std::string_view s) {
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
  };
  if (s.empty() || s.size() > kMaxNameLen || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

Result<std::vector<std::string>> names(const json& v, const std::string& field, bool (*valid)(std::string_view),
                                       std::string_view what) {
  auto list = json_fields::string_list(v, field, kMaxEntries, kMaxNameLen);
  if (!list) return list;
  for (size_t i = 0; i < list->size(); ++i)
    if (!valid((*list)[i]))
      return error(fmt::format("{}[{}]", field, i), fmt::format("'{}' is not {}", (*list)[i], what));
  return list;
}

// labelSelectors, nodeSelectors (label syntax) and annotationSelectors (keys
// in label-key syntax, values free text).
Result<std::map<std::string, std::string>> key_values(const json& v, const std::string& field, bool label_values) {
  auto map = json_fields::string_map(v, field, kMaxEntries, label_values ? 63 : kMaxAnnotationValue);
  if (!map) return map;
  for (const auto& [key, value] : *map) {
    if (auto ok = validate_label_key(key); !ok) return error(join(field, key), ok.error().context);
    if (label_values)
      if (auto ok = validate_label_value(value); !ok) return error(join(field, key), ok.error().context);
  }
  return map;
}

Result<LabelSelector::Requirement> expression(const json& v, const std::string& field) {
  if (!v.is_object()) return error(field, "must be an object {key, operator, values}");
  if (auto ok = json_fields::only_known(v, field, {"key", "operator", "values"}); !ok)
    return fail(std::move(ok).error());
  LabelSelector::Requirement r;
  if (!v.contains("key")) return error(join(field, "key"), "required");
  auto key = json_fields::string_of(v["key"], join(field, "key"), kMaxNameLen + 64);
  if (!key) return fail(std::move(key).error());
  r.key = std::move(*key);
  if (!v.contains("operator")) return error(join(field, "operator"), "required");
  auto op = json_fields::string_of(v["operator"], join(field, "operator"), 32);
  if (!op) return fail(std::move(op).error());
  const OperatorName* found = nullptr;
  for (const auto& o : kOperators)
    if (*op == o.name) found = &o;
  if (!found)
    return error(join(field, "operator"), fmt::format("'{}' is not one of In, NotIn, Exists, DoesNotExist", *op));
  r.op = found->op;
  if (v.contains("values") && !v["values"].is_null()) {
    auto values = json_fields::string_list(v["values"], join(field, "values"), kMaxExpressionValues, 63);
    if (!values) return fail(std::move(values).error());
    r.values = std::move(*values);
  }
  return r;
}

Result<LabelSelector> expressions(const json& v, const std::string& field) {
  if (!v.is_array())
    return error(field, fmt::format("must be a list of {{key, operator, values}}, not {}", json_fields::type_name(v)));
  if (v.size() > kMaxEntries) return error(field, fmt::format("more than {} entries", kMaxEntries));
  std::vector<LabelSelector::Requirement> reqs;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string item = fmt::format("{}[{}]", field, i);
    auto r = expression(v[i], item);
    if (!r) return fail(std::move(r).error());
    // Checked one at a time so the error names the entry.
    if (auto ok = LabelSelector::from_requirements({*r}); !ok) return error(item, ok.error().context);
    reqs.push_back(std::move(*r));
  }
  return LabelSelector::from_requirements(std::move(reqs));
}

Result<std::map<std::string, std::vector<std::string>>> pod_names(const json& v, const std::string& field) {
  if (!v.is_object())
    return error(field, fmt::format("must be a map of namespace to pod names, not {}", json_fields::type_name(v)));
  if (v.size() > kMaxEntries) return error(field, fmt::format("more than {} namespaces", kMaxEntries));
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [ns, list] : v.items()) {
    if (!dns_label(ns)) return error(join(field, ns), "the key is not a namespace name");
    auto pods = names(list, join(field, ns), dns_subdomain, "a pod name");
    if (!pods) return fail(std::move(pods).error());
    if (pods->empty()) return error(join(field, ns), "names no pod");
    out.emplace(ns, std::move(*pods));
  }
  return out;
}

Result<void> read_member(PodSelector& s, const std::string& key, const json& v, const std::string& field) {
  if (key == "namespaces") {
    auto r = names(v, field, dns_label, "a namespace name");
    if (!r) return fail(std::move(r).error());
    s.namespaces = std::move(*r);
  } else if (key == "labelSelectors" || key == "nodeSelectors") {
    auto r = key_values(v, field, true);
    if (!r) return fail(std::move(r).error());
    (key == "labelSelectors" ? s.label_selectors : s.node_selectors) = std::move(*r);
  } else if (key == "annotationSelectors") {
    auto r = key_values(v, field, false);
    if (!r) return fail(std::move(r).error());
    s.annotation_selectors = std::move(*r);
  } else if (key == "expressionSelectors") {
    auto r = expressions(v, field);
    if (!r) return fail(std::move(r).error());
    s.expression_selectors = std::move(*r);
  } else if (key == "podPhaseSelectors") {
    auto r = json_fields::string_list(v, field, kPhases.size(), 16);
    if (!r) return fail(std::move(r).error());
    for (size_t i = 0; i < r->size(); ++i)
      if (std::find_if(kPhases.begin(), kPhases.end(), [&](const char* p) { return (*r)[i] == p; }) == kPhases.end())
        return error(fmt::format("{}[{}]", field, i),
                     fmt::format("'{}' is not one of Pending, Running, Succeeded, Failed, Unknown", (*r)[i]));
    s.phases = std::move(*r);
  } else if (key == "nodes") {
    auto r = names(v, field, dns_subdomain, "a node name");
    if (!r) return fail(std::move(r).error());
    s.nodes = std::move(*r);
  } else if (key == "pods") {
    auto r = pod_names(v, field);
    if (!r) return fail(std::move(r).error());
    s.pods = std::move(*r);
  } else if (key == "fieldSelectors") {
    return error(field, "not supported (select with labelSelectors, expressionSelectors, nodes or pods)");
  } else {
    return error(field,
                 "unknown field (known here: namespaces, labelSelectors, expressionSelectors, "
                 "annotationSelectors, podPhaseSelectors, nodes, nodeSelectors, pods)");
  }
  return {};
}

const char* operator_name(LabelSelector::Op op) {
  for (const auto& o : kOperators)
    if (o.op == op) return o.name;
  return op == LabelSelector::Op::equals ? "In" : "NotIn";  // "=" and "!=" are In/NotIn of one value
}

bool same_requirements(const LabelSelector& a, const LabelSelector& b) {
  const auto& x = a.requirements();
  const auto& y = b.requirements();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].key != y[i].key || x[i].op != y[i].op || x[i].values != y[i].values) return false;
  return true;
}

}  // namespace

bool PodSelector::empty() const {
  return namespaces.empty() && label_selectors.empty() && expression_selectors.empty() &&
         annotation_selectors.empty() && phases.empty() && nodes.empty() && node_selectors.empty() && pods.empty();
}

bool PodSelector::operator==(const PodSelector& o) const {
  return namespaces == o.namespaces && label_selectors == o.label_selectors &&
         same_requirements(expression_selectors, o.expression_selectors) &&
         annotation_selectors == o.annotation_selectors && phases == o.phases && nodes == o.nodes &&
         node_selectors == o.node_selectors && pods == o.pods;
}

Result<PodSelector> parse_pod_selector(const json& object, const std::string& field) {
  if (!object.is_object())
    return error(field, fmt::format("must be an object, not {}", json_fields::type_name(object)));
  PodSelector s;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;  // kubectl writes absent optional fields as null
    if (auto ok = read_member(s, key, value, join(field, key)); !ok) return fail(std::move(ok).error());
  }
  return s;
}

json to_json(const PodSelector& s) {
  json out = json::object();
  if (!s.namespaces.empty()) out["namespaces"] = s.namespaces;
  if (!s.label_selectors.empty()) out["labelSelectors"] = s.label_selectors;
  if (!s.expression_selectors.empty()) {
    json list = json::array();
    for (const auto& r : s.expression_selectors.requirements()) {
      json e = {{"key", r.key}, {"operator", operator_name(r.op)}};
      if (!r.values.empty()) e["values"] = r.values;
      list.push_back(std::move(e));
    }
    out["expressionSelectors"] = std::move(list);
  }
  if (!s.annotation_selectors.empty()) out["annotationSelectors"] = s.annotation_selectors;
  if (!s.phases.empty()) out["podPhaseSelectors"] = s.phases;
  if (!s.nodes.empty()) out["nodes"] = s.nodes;
  if (!s.node_selectors.empty()) out["nodeSelectors"] = s.node_selectors;
  if (!s.pods.empty()) out["pods"] = s.pods;
  return out;
}

}  // namespace seismo::pods
