// The Grafana dashboard (manifests/grafana/seismo-dashboard.json) as a
// model: every panel queries the datasource variable, ids are unique, panels
// do not overlap, every variable a query uses exists, every metric a query
// names is documented in docs/metrics.md (so a renamed metric fails here),
// and per-cgroup metrics are filtered by the namespace, pod and cgroup
// variables. That the queries return series from a live seismod is
// dashboard_test's (integration) part.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "grafana_dashboard.h"

#ifndef SEISMO_SOURCE_DIR
#error "SEISMO_SOURCE_DIR must be defined"
#endif

using namespace seismo::testing;
using nlohmann::json;

namespace {

const std::string kDashboard = std::string(SEISMO_SOURCE_DIR) + "/manifests/grafana/seismo-dashboard.json";
const std::string kMetricsDoc = std::string(SEISMO_SOURCE_DIR) + "/docs/metrics.md";

// Grafana's own variables the queries may use.
const std::set<std::string> kBuiltins = {"__rate_interval", "__interval", "__range"};

// Metric name → its labels column, from the tables of docs/metrics.md
// ("| `name` | type | labels | meaning |"). Names mentioned only in prose
// (the fault engine's, whose table is in docs/faults.md) map to "".
std::map<std::string, std::string> documented_metrics() {
  std::ifstream in(kMetricsDoc);
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    for (const auto& name : seismo_metric_names(line)) out.emplace(name, "");
    if (line.rfind("| `seismo_", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) cells.push_back(cell);
    if (cells.size() < 3) continue;
    const auto names = seismo_metric_names(cells[0]);
    if (names.size() == 1) out[*names.begin()] = cells[2];
  }
  return out;
}

// A histogram's series name → its family name.
std::string family_of(const std::string& series, const std::map<std::string, std::string>& documented) {
  if (documented.count(series) != 0) return series;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (series.size() > s.size() && series.compare(series.size() - s.size(), s.size(), s) == 0)
      return series.substr(0, series.size() - s.size());
  }
  return series;
}

class GrafanaDashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    dashboard_ = load_dashboard(kDashboard);
    ASSERT_FALSE(dashboard_.is_discarded()) << kDashboard << " is missing or not JSON";
  }
  json dashboard_;
};

TEST_F(GrafanaDashboard, HasTheDatasourceNodeNamespacePodAndCgroupVariables) {
  const auto vars = dashboard_variables(dashboard_);
  ASSERT_EQ(vars.count("datasource"), 1u);
  EXPECT_EQ(vars.at("datasource"), "prometheus");
  for (const char* name : {"instance", "namespace", "pod", "cgroup"}) {
    ASSERT_EQ(vars.count(name), 1u) << name;
    EXPECT_NE(vars.at(name).find(std::string("label_values(")), std::string::npos) << name;
  }
  for (const auto& v : dashboard_["templating"]["list"]) {
    if (v["type"] != "query") continue;
    // "All" must mean every value, also the empty one of non-pod cgroups.
    EXPECT_EQ(v.value("allValue", ""), ".*") << v["name"];
    EXPECT_TRUE(v.value("includeAll", false)) << v["name"];
    EXPECT_EQ(v["datasource"]["uid"], "${datasource}") << v["name"];
  }
}

TEST_F(GrafanaDashboard, EveryPanelQueriesTheDatasourceVariableAndIdsAreUnique) {
  std::set<int> ids;
  size_t queries = 0;
  for (const auto& p : dashboard_panels(dashboard_)) {
    const std::string title = p.value("title", "");
    ASSERT_TRUE(p.contains("id")) << title;
    EXPECT_TRUE(ids.insert(p["id"].get<int>()).second) << "duplicate id " << p["id"] << " (" << title << ")";
    EXPECT_FALSE(title.empty()) << "panel " << p["id"] << " has no title";
    if (p["type"] == "row") {
      EXPECT_FALSE(p.contains("targets")) << "row " << title << " has queries";
      continue;
    }
    ASSERT_TRUE(p.contains("datasource")) << title;
    EXPECT_EQ(p["datasource"]["uid"], "${datasource}") << title;
    EXPECT_EQ(p["datasource"]["type"], "prometheus") << title;
    ASSERT_FALSE(p.value("targets", json::array()).empty()) << title << " has no query";
    std::set<std::string> refs;
    for (const auto& t : p["targets"]) {
      EXPECT_TRUE(refs.insert(t.value("refId", "")).second) << title << ": duplicate refId " << t["refId"];
      EXPECT_FALSE(t.value("expr", "").empty()) << title << " " << t["refId"];
      EXPECT_EQ(t["datasource"]["uid"], "${datasource}") << title << " " << t["refId"];
      ++queries;
    }
  }
  EXPECT_GE(queries, 30u);
}

TEST_F(GrafanaDashboard, PanelsDoNotOverlapOnTheGrid) {
  struct Box {
    int x, y, w, h;
    std::string title;
  };
  std::vector<Box> boxes;
  for (const auto& p : dashboard_["panels"]) {
    const auto& g = p["gridPos"];
    Box b{g["x"], g["y"], g["w"], g["h"], p.value("title", "")};
    EXPECT_LE(b.x + b.w, 24) << b.title << " is wider than the 24-column grid";
    for (const auto& o : boxes)
      EXPECT_FALSE(b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h)
          << b.title << " overlaps " << o.title;
    boxes.push_back(b);
  }
}

TEST_F(GrafanaDashboard, HasARowForEachSignal) {
  std::set<std::string> rows;
  for (const auto& p : dashboard_["panels"])
    if (p["type"] == "row") rows.insert(p["title"].get<std::string>());
  for (const char* row : {"Syscalls", "Network", "TCP", "DNS", "Run queue", "OOM kills and execs", "Faults",
                          "seismo health"})
    EXPECT_EQ(rows.count(row), 1u) << "no row " << row;
}

TEST_F(GrafanaDashboard, EveryVariableAQueryUsesIsDefined) {
  auto values = dashboard_variables(dashboard_);
  for (const auto& b : kBuiltins) values[b] = "";
  for (const auto& q : dashboard_queries(dashboard_)) {
    std::set<std::string> unknown;
    substitute_variables(q.expr, values, &unknown);
    EXPECT_TRUE(unknown.empty()) << q.panel << " " << q.ref_id << " uses undefined $" << *unknown.begin();
  }
  for (const auto& [name, query] : dashboard_variables(dashboard_)) {
    std::set<std::string> unknown;
    substitute_variables(query, values, &unknown);
    EXPECT_TRUE(unknown.empty()) << "variable " << name << " uses undefined $" << *unknown.begin();
  }
}

TEST_F(GrafanaDashboard, EveryMetricAQueryNamesIsDocumented) {
  const auto documented = documented_metrics();
  ASSERT_GT(documented.size(), 20u) << kMetricsDoc;
  std::vector<std::string> texts;
  for (const auto& q : dashboard_queries(dashboard_)) texts.push_back(q.panel + ": " + q.expr);
  for (const auto& [name, query] : dashboard_variables(dashboard_)) texts.push_back("variable " + name + ": " + query);
  for (const auto& text : texts)
    for (const auto& name : seismo_metric_names(text))
      EXPECT_EQ(documented.count(family_of(name, documented)), 1u)
          << name << " is not in docs/metrics.md (renamed?), in " << text;
}

TEST_F(GrafanaDashboard, PerCgroupMetricsAreFilteredByNamespacePodAndCgroup) {
  const auto documented = documented_metrics();
  size_t checked = 0;
  for (const auto& q : dashboard_queries(dashboard_)) {
    for (const auto& name : seismo_metric_names(q.expr)) {
      auto it = documented.find(family_of(name, documented));
      if (it == documented.end() || it->second.find("`cgroup`") == std::string::npos) continue;
      ++checked;
      // Each selector of the metric carries all four filters.
      for (size_t at = q.expr.find(name + "{"); at != std::string::npos; at = q.expr.find(name + "{", at + 1)) {
        const std::string selector = q.expr.substr(at, q.expr.find('}', at) - at);
        for (const char* filter : {"instance=~\"$instance\"", "namespace=~\"$namespace\"", "pod=~\"$pod\"",
                                   "cgroup=~\"$cgroup\""})
          EXPECT_NE(selector.find(filter), std::string::npos) << q.panel << " " << q.ref_id << ": " << selector
                                                             << " lacks " << filter;
      }
      EXPECT_NE(q.expr.find(name + "{"), std::string::npos) << q.panel << ": " << name << " without a selector";
    }
  }
  EXPECT_GE(checked, 15u);
}

// promtool (Debian's prometheus package) parses every query, variables set
// as Grafana would: a syntax error fails here without a server.
TEST_F(GrafanaDashboard, PromtoolParsesEveryQuery) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool is not installed";
  const std::map<std::string, std::string> values = {{"instance", ".*"}, {"namespace", ".*"}, {"pod", ".*"},
                                                     {"cgroup", ".*"},   {"__rate_interval", "1m"},
                                                     {"__interval", "15s"}, {"__range", "1h"}};
  json rules = json::array();
  for (const auto& q : dashboard_queries(dashboard_))
    rules.push_back({{"record", "dashboard:query" + std::to_string(rules.size())},
                     {"expr", substitute_variables(q.expr, values)}});
  // JSON is YAML: promtool reads the rule file as is.
  const std::string file = ::testing::TempDir() + "seismo-dashboard-rules-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file) << json{{"groups", json::array({{{"name", "dashboard"}, {"rules", rules}}})}}.dump(2);
  const std::string out = file + ".out";
  const int rc = std::system(("promtool check rules " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(file.c_str());
  std::remove(out.c_str());
  EXPECT_EQ(rc, 0) << report;
  EXPECT_NE(report.find(std::to_string(rules.size()) + " rules found"), std::string::npos) << report;
}

TEST(GrafanaDashboardModel, SubstitutesBothVariableSpellingsAndReportsUnknownOnes) {
  std::set<std::string> unknown;
  EXPECT_EQ(substitute_variables("rate(x{pod=~\"$pod\"}[$__rate_interval]) ${ns} $$ $other", {{"pod", "a|b"},
            {"__rate_interval", "10s"}, {"ns", "shop"}}, &unknown),
            "rate(x{pod=~\"a|b\"}[10s]) shop $$ $other");
  EXPECT_EQ(unknown, std::set<std::string>{"other"});
  EXPECT_EQ(seismo_metric_names("sum(rate(seismo_a_total[1m])) / xseismo_b + seismo_c_bucket"),
            (std::set<std::string>{"seismo_a_total", "seismo_c_bucket"}));
}

}  // namespace
