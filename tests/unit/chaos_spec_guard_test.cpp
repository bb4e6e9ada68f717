// The spec's `guard` field: good guards round-trip through the canonical
// JSON; every hostile value is an EINVAL naming the field.
#include <gtest/gtest.h>

#include "chaos/fault_spec.h"
#include "chaos/spec_document.h"
#include "chaos/spec_guard.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json loss_with_guard(const json& guard) {
  return {{"name", "guarded"},
          {"target", {{"netns", "web"}}},
          {"action", "loss"},
          {"loss", {{"percent", 30}}},
          {"guard", guard},
          {"duration", "1m"}};
}

void expect_field_error(const json& doc, const std::string& field) {
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
}

TEST(SpecGuard, ParsesBudgetsInTheKernelsOrderAndTheWindow) {
  auto r = parse_fault_spec(loss_with_guard({{"tcpResets", 50}, {"window", "10s"}, {"dropped", "1000"}}));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->guard.limits.size(), 2u);
  EXPECT_EQ(r->guard.limits[0], (GuardLimit{GuardBudget::dropped, 1000}));
  EXPECT_EQ(r->guard.limits[1], (GuardLimit{GuardBudget::tcp_resets, 50}));
  EXPECT_EQ(r->guard.window_ns, 10'000'000'000ULL);
}

TEST(SpecGuard, EveryBudgetKeyParses) {
  json guard = {{"tcpRetransmits", 1}, {"tcpResets", 2}, {"tcpResetsSent", 3}, {"tcpResetsReceived", 4},
                {"tcpConnectFailures", 5}, {"dropped", 6}};
  auto r = parse_fault_spec(loss_with_guard(guard));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->guard.limits.size(), 6u);
  EXPECT_EQ(r->guard.window_ns, 0u) << "no window: over the fault's lifetime";
}

TEST(SpecGuard, NoGuardIsEmptyAndAbsentFromTheCanonicalForm) {
  json doc = loss_with_guard(nullptr);
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->guard.empty());
  EXPECT_FALSE(to_json(*r).contains("guard"));
}

TEST(SpecGuard, RoundTripsThroughTheCanonicalJson) {
  auto first = parse_fault_spec(loss_with_guard({{"window", "1m30s"}, {"tcpRetransmits", 50}, {"dropped", 7}}));
  ASSERT_TRUE(first) << first.error().message();
  json canonical = to_json(*first);
  EXPECT_EQ(canonical["guard"], json({{"window", "1m30s"}, {"tcpRetransmits", 50}, {"dropped", 7}}));
  auto second = parse_fault_spec(canonical);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->guard, first->guard);
  EXPECT_EQ(to_json(*second), canonical);
}

TEST(SpecGuard, HostileBudgetsAreRefusedNamingTheField) {
  const std::string f = "guard.tcpRetransmits";
  for (const json& bad : {json(-1), json("-1"), json(0), json("0"), json(1.5), json("1.5"), json(1e300),
                          json(std::numeric_limits<double>::quiet_NaN()), json(1'000'000'000'001ULL),
                          json("99999999999999999999"), json("1e3"), json(""), json(" 5"), json(true), json::array(),
                          json::object(), json(-9223372036854775807LL)})
    expect_field_error(loss_with_guard({{"tcpRetransmits", bad}}), f);
}

TEST(SpecGuard, TheLargestBudgetAndAWholeFloatAreAccepted) {
  auto big = parse_fault_spec(loss_with_guard({{"tcpRetransmits", kMaxGuardBudget}}));
  ASSERT_TRUE(big) << big.error().message();
  EXPECT_EQ(big->guard.limits[0].max, kMaxGuardBudget);
  auto whole = parse_fault_spec(loss_with_guard({{"tcpRetransmits", 50.0}}));
  ASSERT_TRUE(whole) << whole.error().message();
  EXPECT_EQ(whole->guard.limits[0].max, 50u);
}

TEST(SpecGuard, ZeroIsRefusedWithTheReason) {
  auto r = parse_fault_spec(loss_with_guard({{"tcpResets", 0}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("smallest is 1"), std::string::npos) << r.error().message();
}

TEST(SpecGuard, UnknownKeysWrongShapesAndEmptyGuardsAreRefused) {
  expect_field_error(loss_with_guard({{"tcpRetransmit", 5}}), "guard.tcpRetransmit");
  expect_field_error(loss_with_guard({{"tcp_retransmits", 5}}), "guard.tcp_retransmits");
  expect_field_error(loss_with_guard({{"ratio", 0.1}, {"tcpResets", 1}}), "guard.ratio");
  expect_field_error(loss_with_guard(json::object()), "guard");
  expect_field_error(loss_with_guard({{"window", "10s"}}), "guard");
  expect_field_error(loss_with_guard(json::array({1})), "guard");
  expect_field_error(loss_with_guard("tcpResets=5"), "guard");
  expect_field_error(loss_with_guard(5), "guard");
}

TEST(SpecGuard, WindowBoundsAndSyntax) {
  for (const json& bad : {json("10"), json("-1s"), json("99ms"), json("25h"), json(10), json("soon"), json("0s")})
    expect_field_error(loss_with_guard({{"window", bad}, {"tcpResets", 5}}), "guard.window");
  for (const char* good : {"100ms", "24h", "10s"}) {
    auto r = parse_fault_spec(loss_with_guard({{"window", good}, {"tcpResets", 5}}));
    EXPECT_TRUE(r) << good << ": " << r.error().message();
  }
}

TEST(SpecGuard, DroppedAndDelayedOnlyWhereTheKindDoesThat) {
  json delay = {{"target", {{"netns", "web"}}},
                {"action", "delay"},
                {"delay", {{"latency", "10ms"}}},
                {"guard", {{"dropped", 5}}},
                {"duration", "1m"}};
  expect_field_error(delay, "guard.dropped");
  delay["guard"] = {{"delayed", 5}};
  EXPECT_TRUE(parse_fault_spec(delay));
  expect_field_error(loss_with_guard({{"delayed", 5}}), "guard.delayed");
  json dup = {{"target", {{"netns", "web"}}},
              {"action", "duplicate"},
              {"duplicate", {{"percent", 5}}},
              {"guard", {{"dropped", 5}}},
              {"duration", "1m"}};
  expect_field_error(dup, "guard.dropped");
  dup["guard"] = {{"tcpRetransmits", 5}};
  EXPECT_TRUE(parse_fault_spec(dup)) << "TCP budgets fit every kind";
}

TEST(SpecGuard, AHostileKeyIsShownBounded) {
  const std::string key(5000, 'k');
  auto r = parse_fault_spec(loss_with_guard({{key, 1}}));
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message().size(), 400u);
}

TEST(SpecGuard, YamlGuardParsesLikeJson) {
  auto docs = parse_spec_document(R"(
target: {netns: web}
action: loss
loss: {percent: 30}
guard:
  window: 10s
  tcpRetransmits: 50
  tcpConnectFailures: "7"
duration: 1m
)");
  ASSERT_TRUE(docs) << docs.error().message();
  ASSERT_EQ(docs->size(), 1u);
  auto r = parse_fault_spec((*docs)[0]);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->guard.limits, (std::vector<GuardLimit>{{GuardBudget::tcp_retransmits, 50},
                                                      {GuardBudget::tcp_connect_failures, 7}}));
  EXPECT_EQ(r->guard.window_ns, 10'000'000'000ULL);
  auto bad = parse_spec_document("target: {netns: web}\naction: loss\nloss: {percent: 30}\nguard: {tcpResets: -3}\nduration: 1m\n");
  ASSERT_TRUE(bad);
  expect_field_error((*bad)[0], "guard.tcpResets");
}

TEST(SpecGuard, GuardJsonOfAnEmptyGuardIsNull) { EXPECT_TRUE(guard_json(GuardSpec{}).is_null()); }

}  // namespace
