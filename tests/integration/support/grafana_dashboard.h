#pragma once

// Reads manifests/grafana/seismo-dashboard.json the way Grafana does for what
// the tests need: the panels (rows' nested panels included), each target's
// PromQL, and template variable substitution ($name, ${name}). Header-only
// (nlohmann-json), shared by the dashboard's unit and integration tests.

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seismo::testing {

struct DashboardQuery {
  std::string panel;   // the panel's title
  std::string ref_id;  // the target's refId
  std::string expr;    // PromQL with Grafana variables unsubstituted
  std::string legend;  // legendFormat ("{{pod}} {{direction}}")
};

// The parsed dashboard; a discarded json when the file is missing or not JSON.
inline nlohmann::json load_dashboard(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(in, nullptr, false);
}

// Every panel, top-level or nested in a collapsed row, in order.
inline std::vector<nlohmann::json> dashboard_panels(const nlohmann::json& dashboard) {
  std::vector<nlohmann::json> out;
  for (const auto& p : dashboard.value("panels", nlohmann::json::array())) {
    out.push_back(p);
    for (const auto& nested : p.value("panels", nlohmann::json::array())) out.push_back(nested);
  }
  return out;
}

inline std::vector<DashboardQuery> dashboard_queries(const nlohmann::json& dashboard) {
  std::vector<DashboardQuery> out;
  for (const auto& p : dashboard_panels(dashboard))
    for (const auto& t : p.value("targets", nlohmann::json::array()))
      out.push_back({p.value("title", ""), t.value("refId", ""), t.value("expr", ""), t.value("legendFormat", "")});
  return out;
}

// Template variables (name → query text; a datasource variable's is its plugin type).
inline std::map<std::string, std::string> dashboard_variables(const nlohmann::json& dashboard) {
  std::map<std::string, std::string> out;
  const auto list = dashboard.value("templating", nlohmann::json::object()).value("list", nlohmann::json::array());
  for (const auto& v : list) {
    const auto& q = v.contains("query") ? v["query"] : nlohmann::json();
    out[v.value("name", "")] = q.is_object() ? q.value("query", "") : q.is_string() ? q.get<std::string>() : "";
  }
  return out;
}

inline bool is_variable_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Replaces $name and ${name} by values[name]; names without a value are left
// as they are and added to `unknown` (when given).
inline std::string substitute_variables(const std::string& text, const std::map<std::string, std::string>& values,
                                        std::set<std::string>* unknown = nullptr) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      out.push_back(text[i++]);
      continue;
    }
    size_t start = i + 1;
    bool braced = start < text.size() && text[start] == '{';
    if (braced) ++start;
    size_t end = start;
    while (end < text.size() && is_variable_char(text[end])) ++end;
    if (end == start || (braced && (end >= text.size() || text[end] != '}'))) {
      out.push_back(text[i++]);
      continue;
    }
    const std::string name = text.substr(start, end - start);
    const size_t after = braced ? end + 1 : end;
    auto it = values.find(name);
    if (it != values.end()) {
      out += it->second;
    } else {
      if (unknown != nullptr) unknown->insert(name);
      out += text.substr(i, after - i);
    }
    i = after;
  }
  return out;
}

// The labels a legend format names ("{{pod}} {{direction}}" → pod, direction).
inline std::set<std::string> legend_labels(const std::string& legend) {
  std::set<std::string> out;
  for (size_t at = legend.find("{{"); at != std::string::npos; at = legend.find("{{", at + 2)) {
    const size_t end = legend.find("}}", at);
    if (end == std::string::npos) break;
    std::string label = legend.substr(at + 2, end - at - 2);
    label.erase(0, label.find_first_not_of(' '));
    label.erase(label.find_last_not_of(' ') + 1);
    out.insert(label);
  }
  return out;
}

// The seismo_* metric names an expression mentions.
inline std::set<std::string> seismo_metric_names(const std::string& expr) {
  std::set<std::string> out;
  static const std::string prefix = "seismo_";
  for (size_t i = expr.find(prefix); i != std::string::npos; i = expr.find(prefix, i + 1)) {
    if (i > 0 && is_variable_char(expr[i - 1])) continue;
    size_t end = i;
    while (end < expr.size() && is_variable_char(expr[end])) ++end;
    out.insert(expr.substr(i, end - i));
  }
  return out;
}

}  // namespace seismo::testing
