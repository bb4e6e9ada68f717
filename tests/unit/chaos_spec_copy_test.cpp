// duplicate and corrupt specs (spec_copy.cpp): fields, errors naming the
// field for hostile values, canonical JSON, the kernel encoding.
#include <gtest/gtest.h>

#include <cmath>

#include "chaos/fault_encoding.h"
#include "chaos/fault_spec.h"
#include "chaos/spec_kinds.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json good(const std::string& kind) {
  return {{"name", "web-" + kind},
          {"target", {{"netns", "web"}}},
          {"action", kind},
          {kind, {{"percent", 10}, {"correlation", 25}}},
          {"duration", "30s"}};
}

void expect_field_error(const json& doc, const std::string& field) {
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
}

class CopyKinds : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(CopyKinds, ParsesPercentAndCorrelation) {
  const std::string kind = GetParam();
  auto r = parse_fault_spec(good(kind));
  ASSERT_TRUE(r) << r.error().message();
  const double pct = kind == "duplicate" ? r->duplicate.percent : r->corrupt.percent;
  const double corr = kind == "duplicate" ? r->duplicate.correlation : r->corrupt.correlation;
  EXPECT_DOUBLE_EQ(pct, 10);
  EXPECT_DOUBLE_EQ(corr, 25);
  EXPECT_EQ(action_name(r->action), kind);
}

TEST_P(CopyKinds, PercentAsStringWithSignAndCorrelationOptional) {
  const std::string kind = GetParam();
  json doc = good(kind);
  doc[kind] = {{"percent", "12.5%"}};
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_DOUBLE_EQ(kind == "duplicate" ? r->duplicate.percent : r->corrupt.percent, 12.5);
  EXPECT_DOUBLE_EQ(kind == "duplicate" ? r->duplicate.correlation : r->corrupt.correlation, 0);
}

TEST_P(CopyKinds, HostileValuesNameTheField) {
  const std::string kind = GetParam();
  const std::string pct = kind + ".percent", corr = kind + ".correlation";
  for (const json& bad : {json(120), json(-1), json("ten"), json("nan"), json("inf"), json(1e308 * 10),
                          json::array(), json::object(), json(nullptr), json(true)}) {
    json doc = good(kind);
    doc[kind]["percent"] = bad;
    expect_field_error(doc, pct);
  }
  for (const json& bad : {json(100), json(-0.5), json("NaN"), json("1e400"), json::array({1})}) {
    json doc = good(kind);
    doc[kind]["correlation"] = bad;
    expect_field_error(doc, corr);
  }
  json missing = good(kind);
  missing[kind].erase("percent");
  expect_field_error(missing, pct);
  json unknown = good(kind);
  unknown[kind]["duplicate"] = 10;  // Chaos Mesh's key in seismo's spec: a typo, not ignored
  expect_field_error(unknown, kind + ".duplicate");
  json not_object = good(kind);
  not_object[kind] = "10%";
  expect_field_error(not_object, kind);
  json absent = good(kind);
  absent.erase(kind);
  expect_field_error(absent, kind);
  json other = good(kind);
  other["loss"] = {{"percent", 1}};
  expect_field_error(other, "loss");
}

TEST_P(CopyKinds, CanonicalJsonRoundTrips) {
  auto r = parse_fault_spec(good(GetParam()));
  ASSERT_TRUE(r) << r.error().message();
  json canonical = to_json(*r);
  EXPECT_EQ(canonical[GetParam()], json({{"percent", 10.0}, {"correlation", 25.0}}));
  auto again = parse_fault_spec(canonical);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_json(*again), canonical);
}

TEST_P(CopyKinds, EncodesTheGilbertChainOfLoss) {
  const std::string kind = GetParam();
  auto r = parse_fault_spec(good(kind));
  ASSERT_TRUE(r) << r.error().message();
  auto cfg = encode_fault_cfg(*r, 1000, 3);
  EXPECT_EQ(cfg.action, kind == "duplicate" ? SEISMO_FAULT_DUPLICATE : SEISMO_FAULT_CORRUPT);
  auto g = gilbert_params(10, 25);
  EXPECT_EQ(cfg.loss_enter, to_kernel_probability(g.enter));
  EXPECT_EQ(cfg.loss_leave, to_kernel_probability(g.leave));
  EXPECT_EQ(cfg.latency_ns, 0u);
  EXPECT_EQ(cfg.flags, 0u);
}

TEST_P(CopyKinds, Supported) { EXPECT_TRUE(action_supported(*parse_action_name(GetParam()))); }

INSTANTIATE_TEST_SUITE_P(Kinds, CopyKinds, ::testing::Values("duplicate", "corrupt"));
