// Chaos Mesh's pod selector as JSON (pods/pod_selector_json.cpp) and the
// selector modes' names and values (pods/pick_mode.cpp).
#include <gtest/gtest.h>

#include "pods/pod_selector.h"
#include "pods/rendezvous.h"

using namespace seismo::pods;
using nlohmann::json;

namespace {

json whole() {
  return json::parse(R"({
    "namespaces": ["shop", "db"],
    "labelSelectors": {"app": "web", "app.kubernetes.io/component": "tikv"},
    "expressionSelectors": [{"key": "tier", "operator": "NotIn", "values": ["batch"]},
                            {"key": "gpu", "operator": "Exists"}],
    "annotationSelectors": {"example.com/owner": "team a"},
    "podPhaseSelectors": ["Running", "Pending"],
    "nodes": ["node-a", "node-b.example"],
    "nodeSelectors": {"topology.kubernetes.io/zone": "z1"},
    "pods": {"shop": ["web-1", "web-2"]}
  })");
}

std::string refusal(const json& v) {
  auto r = parse_pod_selector(v, "spec.selector");
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, EINVAL);
  return r.error().context;
}

}  // namespace

TEST(PodSelectorJson, ReadsEveryField) {
  auto s = parse_pod_selector(whole(), "spec.selector");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->namespaces, (std::vector<std::string>{"shop", "db"}));
  EXPECT_EQ(s->label_selectors.size(), 2u);
  ASSERT_EQ(s->expression_selectors.requirements().size(), 2u);
  EXPECT_EQ(s->expression_selectors.requirements()[0].op, LabelSelector::Op::not_in);
  EXPECT_EQ(s->expression_selectors.requirements()[1].op, LabelSelector::Op::exists);
  EXPECT_TRUE(s->expression_selectors.matches({{"gpu", "1"}, {"tier", "web"}}));
  EXPECT_FALSE(s->expression_selectors.matches({{"gpu", "1"}, {"tier", "batch"}}));
  EXPECT_EQ(s->annotation_selectors.at("example.com/owner"), "team a");
  EXPECT_EQ(s->phases, (std::vector<std::string>{"Running", "Pending"}));
  EXPECT_EQ(s->nodes.size(), 2u);
  EXPECT_EQ(s->node_selectors.at("topology.kubernetes.io/zone"), "z1");
  EXPECT_EQ(s->pods.at("shop"), (std::vector<std::string>{"web-1", "web-2"}));
  EXPECT_FALSE(s->empty());
}

TEST(PodSelectorJson, RoundTripAndEquality) {
  auto s = parse_pod_selector(whole(), "spec.selector");
  ASSERT_TRUE(s);
  EXPECT_EQ(to_json(*s), whole());
  auto again = parse_pod_selector(to_json(*s), "spec.selector");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *s);
  json other = whole();
  other["expressionSelectors"][0]["values"] = {"web"};
  auto different = parse_pod_selector(other, "spec.selector");
  ASSERT_TRUE(different);
  EXPECT_FALSE(*different == *s) << "expressionSelectors take part in equality";
}

TEST(PodSelectorJson, EmptyAndNullFields) {
  auto s = parse_pod_selector(json::object(), "spec.selector");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
  EXPECT_EQ(to_json(*s), json::object());
  s = parse_pod_selector(json{{"nodes", nullptr}}, "spec.selector");  // kubectl's absent optional field
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
}

TEST(PodSelectorJson, EveryBadFieldNamed) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array(), "spec.selector: must be an object"},
      {{{"namespace", {"a"}}}, "spec.selector.namespace: unknown field"},
      {{{"fieldSelectors", {{"status.phase", "Running"}}}}, "spec.selector.fieldSelectors: not supported"},
      {{{"namespaces", "shop"}}, "spec.selector.namespaces: must be a list of strings"},
      {{{"namespaces", {"shop", 3}}}, "spec.selector.namespaces[1]: must be a string"},
      {{{"namespaces", {"-bad"}}}, "spec.selector.namespaces[0]: '-bad' is not a namespace name"},
      {{{"labelSelectors", {{"app", 1}}}}, "spec.selector.labelSelectors.app: must be a string"},
      {{{"labelSelectors", {{"bad key!", "x"}}}}, "spec.selector.labelSelectors.bad key!: label key"},
      {{{"labelSelectors", {{"app", "not valid"}}}}, "spec.selector.labelSelectors.app: label value"},
      {{{"nodeSelectors", {{"zone", std::string(64, 'a')}}}}, "spec.selector.nodeSelectors.zone: longer than 63"},
      {{{"annotationSelectors", {{"/x", "y"}}}}, "spec.selector.annotationSelectors./x: label key"},
      {{{"expressionSelectors", {{"key", "a"}}}}, "spec.selector.expressionSelectors: must be a list"},
      {{{"expressionSelectors", {{{"operator", "In"}, {"values", {"x"}}}}}},
       "spec.selector.expressionSelectors[0].key: required"},
      {{{"expressionSelectors", {{{"key", "a"}}}}}, "spec.selector.expressionSelectors[0].operator: required"},
      {{{"expressionSelectors", {{{"key", "a"}, {"operator", "in"}, {"values", {"x"}}}}}},
       "spec.selector.expressionSelectors[0].operator: 'in' is not one of In, NotIn, Exists, DoesNotExist"},
      {{{"expressionSelectors", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}},
       "spec.selector.expressionSelectors[0]: label key 'a': Exists and DoesNotExist take no values"},
      {{{"expressionSelectors", {{{"key", "a"}, {"operator", "In"}, {"values", {"x"}}, {"value", "y"}}}}},
       "spec.selector.expressionSelectors[0].value: unknown field"},
      {{{"podPhaseSelectors", {"running"}}}, "spec.selector.podPhaseSelectors[0]: 'running' is not one of"},
      {{{"nodes", {"Node_A"}}}, "spec.selector.nodes[0]: 'Node_A' is not a node name"},
      {{{"pods", {"web-1"}}}, "spec.selector.pods: must be a map of namespace to pod names"},
      {{{"pods", {{"shop", json::array()}}}}, "spec.selector.pods.shop: names no pod"},
      {{{"pods", {{"shop", {"Web"}}}}}, "spec.selector.pods.shop[0]: 'Web' is not a pod name"},
      {{{"pods", {{"Shop", {"web"}}}}}, "spec.selector.pods.Shop: the key is not a namespace name"},
  };
  for (const auto& [doc, starts] : cases) {
    std::string got = refusal(doc);
    EXPECT_EQ(got.rfind(starts, 0), 0u) << "want: " << starts << "\n got: " << got;
  }
}

TEST(PodSelectorJson, BoundsOnLists) {
  json many = json::array();
  for (int i = 0; i < 257; ++i) many.push_back("ns-" + std::to_string(i));
  EXPECT_EQ(refusal({{"namespaces", many}}).rfind("spec.selector.namespaces: more than 256 entries", 0), 0u);
}

TEST(PickMode, NamesRoundTrip) {
  for (auto m :
       {PickMode::one, PickMode::all, PickMode::fixed, PickMode::fixed_percent, PickMode::random_max_percent}) {
    auto parsed = parse_pick_mode(pick_mode_name(m));
    ASSERT_TRUE(parsed) << pick_mode_name(m);
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(std::string(pick_mode_name(PickMode::fixed_percent)), "fixed-percent");
  auto bad = parse_pick_mode("One");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, EINVAL);
}

TEST(PickMode, ValuesCheckedAgainstTheMode) {
  const std::string f = "spec.value";
  EXPECT_TRUE(check_pick_value(PickMode::one, "", f));
  EXPECT_TRUE(check_pick_value(PickMode::all, "", f));
  EXPECT_FALSE(check_pick_value(PickMode::one, "1", f));
  EXPECT_TRUE(check_pick_value(PickMode::fixed, "1", f));
  EXPECT_TRUE(check_pick_value(PickMode::fixed, "1000000", f));
  for (const char* bad : {"", "0", "-1", "1.5", "x", "1000001", " 2"}) {
    auto r = check_pick_value(PickMode::fixed, bad, f);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().context.rfind("spec.value: ", 0), 0u) << r.error().context;
  }
  for (auto m : {PickMode::fixed_percent, PickMode::random_max_percent}) {
    EXPECT_TRUE(check_pick_value(m, "1", f));
    EXPECT_TRUE(check_pick_value(m, "100", f));
    for (const char* bad : {"", "0", "101", "50%", "12.5"}) EXPECT_FALSE(check_pick_value(m, bad, f)) << bad;
  }
}
