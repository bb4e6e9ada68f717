#include "pods/pod_selector.h"

#include <gtest/gtest.h>

using seismo::pods::LabelSelector;
using seismo::pods::Pod;
using seismo::pods::PodSelector;
using Labels = std::map<std::string, std::string>;

namespace {

Pod web() {
  Pod p;
  p.uid = "0b7c9f5e-1111-4c3a-9d2e-000000000001";
  p.namespace_name = "shop";
  p.name = "web-1";
  p.node_name = "node-a";
  p.labels = {{"app", "web"}, {"tier", "front"}};
  p.annotations = {{"team", "payments"}};
  p.phase = "Running";
  return p;
}

LabelSelector expr(const std::string& text) {
  auto r = LabelSelector::parse(text);
  EXPECT_TRUE(r.has_value()) << text;
  return r ? *r : LabelSelector{};
}

}  // namespace

TEST(PodSelector, NothingAskedMatchesEveryPod) {
  EXPECT_TRUE(PodSelector{}.matches(web()));
}

TEST(PodSelector, Namespaces) {
  PodSelector s;
  s.namespaces = {"other", "shop"};
  EXPECT_TRUE(s.matches(web()));
  s.namespaces = {"other"};
  EXPECT_FALSE(s.matches(web()));
}

TEST(PodSelector, LabelSelectorsNeedEveryPair) {
  PodSelector s;
  s.label_selectors = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(s.matches(web()));
  s.label_selectors["tier"] = "back";
  EXPECT_FALSE(s.matches(web()));
  s.label_selectors = {{"missing", "x"}};
  EXPECT_FALSE(s.matches(web()));
}

TEST(PodSelector, ExpressionSelectors) {
  PodSelector s;
  s.expression_selectors = expr("app in (web,api),!canary");
  EXPECT_TRUE(s.matches(web()));
  s.expression_selectors = expr("app notin (web)");
  EXPECT_FALSE(s.matches(web()));
  s.expression_selectors = expr("tier");
  EXPECT_TRUE(s.matches(web()));
  s.expression_selectors = expr("!tier");
  EXPECT_FALSE(s.matches(web()));
}

TEST(PodSelector, AnnotationSelectorsMatchAnnotationsNotLabels) {
  PodSelector s;
  s.annotation_selectors = {{"team", "payments"}};
  EXPECT_TRUE(s.matches(web()));
  s.annotation_selectors = {{"app", "web"}};  // a label, not an annotation
  EXPECT_FALSE(s.matches(web()));
}

TEST(PodSelector, PhasesIncludeAndExclude) {
  PodSelector s;
  s.phases = {"Pending", "Running"};
  EXPECT_TRUE(s.matches(web()));
  s.phases = {"Pending"};
  EXPECT_FALSE(s.matches(web()));
  s.phases = {"!Failed"};  // excludes only: every other phase
  EXPECT_TRUE(s.matches(web()));
  s.phases = {"!Running"};
  EXPECT_FALSE(s.matches(web()));
  s.phases = {"Running", "!Running"};  // an exclusion wins
  EXPECT_FALSE(s.matches(web()));
}

TEST(PodSelector, NodesByName) {
  PodSelector s;
  s.nodes = {"node-b", "node-a"};
  EXPECT_TRUE(s.matches(web()));
  s.nodes = {"node-b"};
  EXPECT_FALSE(s.matches(web()));
  auto pending = web();
  pending.node_name.clear();  // not scheduled yet: on no node
  s.nodes = {"node-a"};
  EXPECT_FALSE(s.matches(pending));
}

TEST(PodSelector, NodeSelectorsNeedTheNodesLabels) {
  PodSelector s;
  s.node_selectors = {{"zone", "a"}};
  EXPECT_TRUE(s.needs_node_labels());
  EXPECT_TRUE(s.matches(web(), Labels{{"zone", "a"}, {"kubernetes.io/os", "linux"}}));
  EXPECT_FALSE(s.matches(web(), Labels{{"zone", "b"}}));
  EXPECT_FALSE(s.matches(web()));  // labels unknown: no match (never "every node")
}

TEST(PodSelector, NodesAndNodeSelectorsJoin) {
  // Chaos Mesh combines the named nodes and the label-selected ones.
  PodSelector s;
  s.nodes = {"node-b"};
  s.node_selectors = {{"zone", "a"}};
  EXPECT_TRUE(s.matches(web(), Labels{{"zone", "a"}}));  // by label
  auto on_b = web();
  on_b.node_name = "node-b";
  EXPECT_TRUE(s.matches(on_b, Labels{{"zone", "c"}}));  // by name
  EXPECT_FALSE(s.matches(web(), Labels{{"zone", "c"}}));
}

TEST(PodSelector, EveryFieldMustHold) {
  PodSelector s;
  s.namespaces = {"shop"};
  s.label_selectors = {{"app", "web"}};
  s.annotation_selectors = {{"team", "payments"}};
  s.phases = {"Running"};
  s.nodes = {"node-a"};
  EXPECT_TRUE(s.matches(web()));
  for (int broken = 0; broken < 5; ++broken) {
    auto p = web();
    switch (broken) {
      case 0: p.namespace_name = "other"; break;
      case 1: p.labels["app"] = "db"; break;
      case 2: p.annotations.clear(); break;
      case 3: p.phase = "Succeeded"; break;
      case 4: p.node_name = "node-z"; break;
    }
    EXPECT_FALSE(s.matches(p)) << "field " << broken;
  }
}

TEST(PodSelector, PodsNameExactlyAndOverrideTheRest) {
  PodSelector s;
  s.pods = {{"shop", {"web-2", "web-1"}}};
  s.namespaces = {"elsewhere"};           // ignored when pods is given
  s.label_selectors = {{"app", "nope"}};  // ignored too
  s.node_selectors = {{"zone", "q"}};
  EXPECT_FALSE(s.needs_node_labels());
  EXPECT_TRUE(s.matches(web()));
  auto other = web();
  other.name = "web-3";
  EXPECT_FALSE(s.matches(other));
  other = web();
  other.namespace_name = "shop2";
  EXPECT_FALSE(s.matches(other));
}

TEST(PodSelector, ADeletingPodIsNeverACandidate) {
  auto p = web();
  p.deleting = true;
  EXPECT_FALSE(PodSelector{}.matches(p));
  PodSelector exact;
  exact.pods = {{"shop", {"web-1"}}};
  EXPECT_FALSE(exact.matches(p));
}

TEST(PodSelector, LabelQueryForTheServer) {
  PodSelector s;
  EXPECT_EQ(s.label_query(), "");
  s.label_selectors = {{"tier", "front"}, {"app", "web"}};
  EXPECT_EQ(s.label_query(), "app=web,tier=front");
  s.expression_selectors = expr("env in (prod,staging),canary,!beta,zone notin (a),x!=y");
  EXPECT_EQ(s.label_query(), "app=web,tier=front,env in (prod,staging),canary,!beta,zone notin (a),x!=y");
  // The query parses back to a selector that agrees with matches().
  auto back = LabelSelector::parse(s.label_query());
  ASSERT_TRUE(back.has_value());
  Labels l{{"app", "web"}, {"tier", "front"}, {"env", "prod"}, {"canary", ""}, {"zone", "b"}};
  EXPECT_TRUE(back->matches(l));
  s.pods = {{"shop", {"web-1"}}};  // exact pods: nothing to filter by label
  EXPECT_EQ(s.label_query(), "");
}

TEST(PodSelector, SingleNamespace) {
  PodSelector s;
  EXPECT_EQ(s.single_namespace(), "");
  s.namespaces = {"shop"};
  EXPECT_EQ(s.single_namespace(), "shop");
  s.namespaces = {"shop", "shop"};
  EXPECT_EQ(s.single_namespace(), "shop");
  s.namespaces = {"shop", "ops"};
  EXPECT_EQ(s.single_namespace(), "");
  s.pods = {{"db", {"pg-0"}}};  // pods overrides namespaces
  EXPECT_EQ(s.single_namespace(), "db");
  s.pods["cache"] = {"redis-0"};
  EXPECT_EQ(s.single_namespace(), "");
}

TEST(PodSelector, NodeLabelQuery) {
  PodSelector s;
  EXPECT_EQ(s.node_label_query(), "");
  s.node_selectors = {{"zone", "a"}, {"disk", "ssd"}};
  EXPECT_EQ(s.node_label_query(), "disk=ssd,zone=a");
  s.pods = {{"shop", {"web-1"}}};
  EXPECT_EQ(s.node_label_query(), "");
}
