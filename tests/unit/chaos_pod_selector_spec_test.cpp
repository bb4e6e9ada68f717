// Pod selectors in fault specs (spec key `selector`, Chaos Mesh's meaning):
// accepted forms, errors naming the field, canonical round trip.
#include <gtest/gtest.h>

#include "chaos/fault_spec.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json pod_loss(json selector) {
  return {{"name", "web-loss"},
          {"selector", std::move(selector)},
          {"mode", "one"},
          {"action", "loss"},
          {"loss", {{"percent", 100}}},
          {"duration", "30s"}};
}

void expect_field_error(const json& doc, const std::string& field) {
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
}

}  // namespace

TEST(PodSelectorSpec, ChaosMeshMapForm) {
  auto r = parse_fault_spec(pod_loss({{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}, {"tier", "fe"}}}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.kind, TargetKind::pods);
  EXPECT_EQ(r->target.selector.namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(r->target.selector.label_selector, "app=web,tier=fe");
  EXPECT_EQ(r->mode, SelectMode::one);
}

TEST(PodSelectorSpec, SelectorStringAndPodsMap) {
  auto r = parse_fault_spec(pod_loss({{"labelSelectors", "app in (web,api),!canary"}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.selector.label_selector, "app in (web,api),!canary");
  auto p = parse_fault_spec(pod_loss({{"pods", {{"shop", {"web-1", "web-2"}}}}}));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->target.selector.pods.at("shop").size(), 2u);
}

TEST(PodSelectorSpec, InterfaceMayBeGiven) {
  json doc = pod_loss({{"namespaces", {"shop"}}});
  doc["target"] = {{"interface", "net1"}};
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.interface, "net1");
}

TEST(PodSelectorSpec, RoundTrip) {
  json doc = pod_loss({{"namespaces", {"shop", "pay"}}, {"labelSelectors", "app=web"}, {"pods", {{"shop", {"a"}}}}});
  doc["mode"] = "fixed-percent";
  doc["value"] = 50;
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  auto again = parse_fault_spec(to_json(*r));
  ASSERT_TRUE(again) << again.error().message() << " " << to_json(*r).dump();
  EXPECT_EQ(again->target.selector, r->target.selector);
  EXPECT_EQ(again->target.kind, TargetKind::pods);
  EXPECT_FALSE(to_json(*r).contains("target"));
}

TEST(PodSelectorSpec, ErrorsNameTheField) {
  expect_field_error(pod_loss(json::object()), "selector");
  expect_field_error(pod_loss({{"namespaces", "shop"}}), "selector.namespaces");
  expect_field_error(pod_loss({{"namespaces", {"Shop_1"}}}), "selector.namespaces[0]");
  expect_field_error(pod_loss({{"labelSelectors", "app in x"}}), "selector.labelSelectors");
  expect_field_error(pod_loss({{"labelSelectors", {{"app", 3}}}}), "selector.labelSelectors.app");
  expect_field_error(pod_loss({{"labelSelectors", {{"-bad", "x"}}}}), "selector.labelSelectors");
  expect_field_error(pod_loss({{"pods", {{"shop", json::array()}}}}), "selector.pods.shop");
  expect_field_error(pod_loss({{"pods", {{"shop", {"UPPER"}}}}}), "selector.pods.shop[0]");
  expect_field_error(pod_loss({{"podz", {"x"}}}), "selector.podz");
  json both = pod_loss({{"namespaces", {"shop"}}});
  both["target"] = {{"netns", "web"}};
  expect_field_error(both, "target");
  expect_field_error(pod_loss("app=web"), "selector");
}
