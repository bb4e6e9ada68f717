#include "pods/pod_selection.h"

#include <gtest/gtest.h>

using namespace seismo::pods;

namespace {
Pod pod(std::string ns, std::string name, std::map<std::string, std::string> labels) {
  Pod p;
  p.uid = ns + "-" + name;
  p.namespace_name = std::move(ns);
  p.name = std::move(name);
  p.labels = std::move(labels);
  return p;
}
std::vector<std::string> names(const std::vector<Pod>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p.namespace_name + "/" + p.name);
  return out;
}
const std::vector<Pod> kPods{
    pod("shop", "web-1", {{"app", "web"}}), pod("shop", "web-2", {{"app", "web"}}),
    pod("shop", "web-3", {{"app", "web"}}), pod("shop", "web-4", {{"app", "web"}}),
    pod("shop", "db-0", {{"app", "db"}}),   pod("other", "web-9", {{"app", "web"}}),
};
// Always picks the last remaining candidate: deterministic and exercises the swap.
std::size_t last(std::size_t n) { return n - 1; }
std::size_t first(std::size_t) { return 0; }
}  // namespace

TEST(SelectionMode, Parse) {
  EXPECT_EQ(SelectionMode::parse("all")->kind, SelectionMode::Kind::all);
  EXPECT_EQ(SelectionMode::parse("one")->kind, SelectionMode::Kind::one);
  auto f = SelectionMode::parse("fixed:3");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->value, 3u);
  EXPECT_EQ(f->to_string(), "fixed:3");
  EXPECT_EQ(SelectionMode::parse("fixed-percent:50")->value, 50u);
  for (const char* bad : {"", "some", "fixed", "fixed:", "fixed:x", "fixed:-1", "fixed:0", "fixed-percent:101",
                          "fixed:2x"}) {
    auto r = SelectionMode::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("field 'mode'"), std::string::npos) << r.error().message();
  }
}

TEST(PodSelection, NamespacesAndLabels) {
  PodSelection s;
  s.namespaces = {"shop"};
  s.labels = *LabelSelector::parse("app=web");
  auto r = s.select(kPods, first);
  ASSERT_TRUE(r);
  EXPECT_EQ(names(*r), (std::vector<std::string>{"shop/web-1", "shop/web-2", "shop/web-3", "shop/web-4"}));
  s.namespaces.clear();
  EXPECT_EQ(s.select(kPods, first)->size(), 5u);
}

TEST(PodSelection, ExplicitPodsOverrideOtherFields) {
  PodSelection s;
  s.namespaces = {"nowhere"};
  s.labels = *LabelSelector::parse("app=nothing");
  s.pods = {{"shop", {"db-0"}}, {"other", {"web-9", "absent"}}};
  auto r = s.select(kPods, first);
  ASSERT_TRUE(r);
  EXPECT_EQ(names(*r), (std::vector<std::string>{"other/web-9", "shop/db-0"}));
}

TEST(PodSelection, ModesPickWithInjectedRandomness) {
  PodSelection s;
  s.labels = *LabelSelector::parse("app=web");
  s.namespaces = {"shop"};
  s.mode = *SelectionMode::parse("one");
  EXPECT_EQ(names(*s.select(kPods, last)), (std::vector<std::string>{"shop/web-4"}));
  EXPECT_EQ(names(*s.select(kPods, first)), (std::vector<std::string>{"shop/web-1"}));
  s.mode = *SelectionMode::parse("fixed:2");
  // last: swap(0,3) then swap(1,3) over web-1..4 takes web-4 then web-1.
  EXPECT_EQ(names(*s.select(kPods, last)), (std::vector<std::string>{"shop/web-1", "shop/web-4"}));
  s.mode = *SelectionMode::parse("fixed:10");
  EXPECT_EQ(s.select(kPods, last)->size(), 4u);
  s.mode = *SelectionMode::parse("fixed-percent:50");
  EXPECT_EQ(s.select(kPods, first)->size(), 2u);
  s.mode = *SelectionMode::parse("fixed-percent:10");  // floor(4 * 10%) = 0
  auto none = s.select(kPods, first);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("is none"), std::string::npos);
}

TEST(PodSelection, NoMatchIsAnError) {
  PodSelection s;
  s.labels = *LabelSelector::parse("app=ghost");
  auto r = s.select(kPods, first);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no pod matches"), std::string::npos);
}

TEST(PodSelection, BadRandomIndexIsCaught) {
  PodSelection s;
  s.mode = *SelectionMode::parse("one");
  auto r = s.select(kPods, [](std::size_t n) { return n; });
  ASSERT_FALSE(r);
}
