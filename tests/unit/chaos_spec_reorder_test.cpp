// delay.reorder: the old bool (jitter may reorder a flow) and netem's reorder
// object; their canonical JSON and kernel encoding (spec_reorder.cpp); and
// partition, the kind without parameters.
#include <gtest/gtest.h>

#include "chaos/fault_encoding.h"
#include "chaos/fault_spec.h"
#include "chaos/spec_kinds.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json delay_with_reorder(const json& reorder) {
  return {{"name", "r"},
          {"target", {{"netns", "web"}}},
          {"action", "delay"},
          {"delay", {{"latency", "10ms"}, {"reorder", reorder}}},
          {"duration", "30s"}};
}

void expect_field_error(const json& doc, const std::string& field) {
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
}

}  // namespace

TEST(SpecReorder, TheOldBoolKeepsItsMeaningAndItsCanonicalForm) {
  auto r = parse_fault_spec(delay_with_reorder(true));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->delay.jitter_reorders);
  EXPECT_EQ(r->delay.reorder, ReorderSpec{});
  EXPECT_EQ(to_json(*r)["delay"]["reorder"], json(true));  // what state files written before hold
  auto off = parse_fault_spec(delay_with_reorder(false));
  ASSERT_TRUE(off);
  EXPECT_EQ(to_json(*off)["delay"]["reorder"], json(false));
}

TEST(SpecReorder, ObjectIsNetemsReorderAndRoundTrips) {
  auto r = parse_fault_spec(delay_with_reorder({{"percent", "25%"}, {"correlation", 50}, {"gap", 5}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->delay.jitter_reorders);
  EXPECT_EQ(r->delay.reorder, (ReorderSpec{25, 50, 5}));
  json canonical = to_json(*r);
  EXPECT_EQ(canonical["delay"]["reorder"], (json{{"percent", 25.0}, {"correlation", 50.0}, {"gap", 5}}));
  auto again = parse_fault_spec(canonical);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_json(*again), canonical);
  // Both meanings at once: the old one as `jitter`.
  auto both = parse_fault_spec(delay_with_reorder({{"percent", 10}, {"jitter", true}}));
  ASSERT_TRUE(both) << both.error().message();
  EXPECT_TRUE(both->delay.jitter_reorders);
  EXPECT_EQ(to_json(*both)["delay"]["reorder"]["jitter"], json(true));
  EXPECT_EQ(to_json(*both)["delay"]["reorder"]["gap"], json(1));  // netem's default, written out
}

TEST(SpecReorder, BadValuesNameTheField) {
  expect_field_error(delay_with_reorder("yes"), "delay.reorder");
  expect_field_error(delay_with_reorder(5), "delay.reorder");
  expect_field_error(delay_with_reorder(json::object()), "delay.reorder.percent");
  expect_field_error(delay_with_reorder({{"percent", -1}}), "delay.reorder.percent");
  expect_field_error(delay_with_reorder({{"percent", 100.5}}), "delay.reorder.percent");
  expect_field_error(delay_with_reorder({{"percent", "nan"}}), "delay.reorder.percent");
  expect_field_error(delay_with_reorder({{"percent", true}}), "delay.reorder.percent");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"correlation", 100}}), "delay.reorder.correlation");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"gap", -1}}), "delay.reorder.gap");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"gap", 1.5}}), "delay.reorder.gap");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"gap", 1e12}}), "delay.reorder.gap");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"gap", "many"}}), "delay.reorder.gap");
  expect_field_error(delay_with_reorder({{"percent", 0}, {"gap", 5}}), "delay.reorder.gap");  // as tc refuses it
  expect_field_error(delay_with_reorder({{"percent", 10}, {"jitter", "yes"}}), "delay.reorder.jitter");
  expect_field_error(delay_with_reorder({{"percent", 10}, {"gpa", 5}}), "delay.reorder.gpa");
}

TEST(SpecReorder, EncodesTheChainAndNetemsGapDefault) {
  fault_cfg none{};
  encode_reorder(ReorderSpec{}, none);
  EXPECT_EQ(none.reorder_gap, 0u);  // the kernel never sends a packet at once
  EXPECT_EQ(none.reorder_enter, 0u);

  FaultSpec s;
  s.action = Action::delay;
  s.delay.latency_ns = 10'000'000;
  s.delay.reorder = {25, 0, 0};
  auto cfg = encode_fault_cfg(s, 1, 1);
  EXPECT_EQ(cfg.action, static_cast<uint32_t>(SEISMO_FAULT_DELAY));
  EXPECT_EQ(cfg.reorder_gap, 1u);  // iproute2: a percent with gap 0 is gap 1
  EXPECT_EQ(cfg.reorder_enter, SEISMO_PROB_ONE / 4);
  EXPECT_EQ(cfg.reorder_leave, SEISMO_PROB_ONE * 3 / 4);
  EXPECT_EQ(cfg.flags & SEISMO_FAULT_F_REORDER, 0u);  // netem's reorder keeps the delayed ones in order

  s.delay.reorder = {100, 50, 5};
  cfg = encode_fault_cfg(s, 1, 1);
  EXPECT_EQ(cfg.reorder_gap, 5u);
  EXPECT_EQ(cfg.reorder_enter, SEISMO_PROB_ONE);
  EXPECT_EQ(cfg.reorder_leave, 0u);
}

TEST(SpecPartition, HasNoParametersAndEncodesAsLossOfEveryPacket) {
  json doc = {{"name", "cut"},
              {"target", {{"netns", "web"}}},
              {"direction", "both"},
              {"action", "partition"},
              {"filter", {{"cidrs", {"10.0.0.0/8"}}}},
              {"duration", "30s"}};
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->action, Action::partition);
  json canonical = to_json(*r);
  EXPECT_FALSE(canonical.contains("loss"));
  auto again = parse_fault_spec(canonical);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_json(*again), canonical);
  auto cfg = encode_fault_cfg(*r, 1, 1);
  EXPECT_EQ(cfg.action, static_cast<uint32_t>(SEISMO_FAULT_LOSS));
  EXPECT_EQ(cfg.loss_enter, SEISMO_PROB_ONE);
  EXPECT_EQ(cfg.loss_leave, 0u);

  doc["loss"] = {{"percent", 100}};
  expect_field_error(doc, "loss");  // another kind's parameters
  doc.erase("loss");
  doc["partition"] = json::object();
  expect_field_error(doc, "partition");  // unknown key: it has none
}
