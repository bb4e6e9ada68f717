// fault ls's guard and verification fields from a fault's spec and the
// counters a FaultCounterSource gives (a fake here, the BPF maps in seismod).
#include <gtest/gtest.h>

#include "chaos/guard_report.h"

using namespace seismo::chaos;
using nlohmann::json;

namespace {

// Counters as fault_maps reads them, set by the test.
class FakeCounters : public FaultCounterSource {
 public:
  FaultCounters value;
  [[nodiscard]] FaultCounters counters(uint32_t) const override { return value; }
  [[nodiscard]] std::vector<uint64_t> losses() const override { return {}; }
};

FaultSpec guarded_loss() {
  FaultSpec s;
  s.name = "web-loss";
  s.action = Action::loss;
  s.loss.percent = 30;
  s.duration_ns = 60'000'000'000ULL;
  s.guard.limits = {{GuardBudget::tcp_retransmits, 40}, {GuardBudget::tcp_resets, 50}};
  s.guard.window_ns = 10'000'000'000ULL;
  return s;
}

constexpr uint64_t kStart = 1'000'000'000'000ULL;

TEST(GuardReport, AbortReasonIsTheIssuesSentence) {
  FakeCounters src;
  src.value.guard.present = true;
  src.value.guard.aborted_ns = kStart + 3'200'000'000ULL;
  src.value.guard.abort_budget = GuardBudget::tcp_resets;
  src.value.guard.abort_count = 51;
  const FaultCounters c = src.counters(0);
  EXPECT_EQ(guard_abort_reason(guarded_loss().guard, c.guard, kStart), "tcp_resets 51 > 50 after 3.2 s");
  const json j = guard_status_json(guarded_loss().guard, c.guard, kStart);
  EXPECT_EQ(j["state"], "aborted");
  EXPECT_EQ(j["aborted"]["budget"], "tcp_resets");
  EXPECT_EQ(j["aborted"]["count"], 51);
  EXPECT_EQ(j["aborted"]["max"], 50);
  EXPECT_DOUBLE_EQ(j["aborted"]["after_seconds"].get<double>(), 3.2);
  EXPECT_EQ(j["aborted"]["reason"], "tcp_resets 51 > 50 after 3.2 s");
}

TEST(GuardReport, ArmedGuardShowsEachBudgetsCountAndTheWindow) {
  FakeCounters src;
  src.value.guard.present = true;
  src.value.guard.counts[static_cast<size_t>(GuardBudget::tcp_retransmits)] = 12;
  src.value.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets)] = 3;
  src.value.guard.counts[static_cast<size_t>(GuardBudget::dropped)] = 999;  // no budget: not shown
  const json j = guard_status_json(guarded_loss().guard, src.counters(0).guard, kStart);
  EXPECT_EQ(j["state"], "armed");
  EXPECT_TRUE(j["aborted"].is_null());
  EXPECT_EQ(j["window"], "10s");
  EXPECT_EQ(j["budgets"], json({{"tcp_retransmits", {{"max", 40}, {"count", 12}}},
                                {"tcp_resets", {{"max", 50}, {"count", 3}}}}));
}

TEST(GuardReport, UnguardedFaultHasNoGuardAndAMissingReadoutIsUnknown) {
  EXPECT_TRUE(guard_status_json(GuardSpec{}, GuardReadout{}, kStart).is_null());
  EXPECT_EQ(guard_status_json(guarded_loss().guard, GuardReadout{}, kStart)["state"], "unknown");
  EXPECT_EQ(guard_abort_reason(guarded_loss().guard, GuardReadout{}, kStart), "");
}

TEST(GuardReport, WilsonIntervalMatchesKnownValues) {
  // 30 of 100 at 99 % (z = 2.5758, z² = 6.6349): centre (0.3 + z²/200)/(1 + z²/100) = 0.31244,
  // half-width z/(1 + z²/100)·sqrt(0.3·0.7/100 + z²/40000) = 0.11498: [0.19746, 0.42743].
  auto r = binomial_interval_99(30, 100);
  EXPECT_DOUBLE_EQ(r.rate, 0.3);
  EXPECT_NEAR(r.low, 0.19746, 5e-5);
  EXPECT_NEAR(r.high, 0.42743, 5e-5);
  auto none = binomial_interval_99(0, 0);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 1);
  auto all = binomial_interval_99(1000, 1000);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  EXPECT_GT(all.low, 0.99);
}

TEST(GuardReport, LossVerificationSaysWhetherTheRequestIsInsideTheInterval) {
  FakeCounters src;
  src.value.passed = 7000;
  src.value.dropped = 3000;
  FaultSpec s = guarded_loss();
  json v = verification_json(s, src.counters(0));
  EXPECT_EQ(v["measure"], "loss_percent");
  EXPECT_EQ(v["requested"], 30.0);
  EXPECT_EQ(v["packets"], 10000);
  EXPECT_DOUBLE_EQ(v["observed"].get<double>(), 30.0);
  EXPECT_LT(v["interval_99"][0].get<double>(), 30.0);
  EXPECT_GT(v["interval_99"][1].get<double>(), 30.0);
  EXPECT_EQ(v["within_interval"], true);
  src.value.dropped = 100;  // ~1.4 %: the fault did not take effect as asked
  v = verification_json(s, src.counters(0));
  EXPECT_EQ(v["within_interval"], false);
  s.loss.correlation = 25;  // bursts: the binomial model does not hold, so no verdict
  EXPECT_FALSE(verification_json(s, src.counters(0)).contains("within_interval"));
}

TEST(GuardReport, NoPacketsYetHasNoObservation) {
  json v = verification_json(guarded_loss(), FaultCounters{});
  EXPECT_TRUE(v["observed"].is_null());
  EXPECT_EQ(v["packets"], 0);
}

TEST(GuardReport, DelayVerificationReadsP50AndP99FromTheHistogram) {
  FaultSpec s;
  s.action = Action::delay;
  s.delay.latency_ns = 50'000'000;
  FakeCounters src;
  src.value.delay_hist[25] = 98;  // [33.6 ms, 67.1 ms)
  src.value.delay_hist[27] = 2;   // [134 ms, 268 ms)
  json v = verification_json(s, src.counters(0));
  EXPECT_EQ(v["measure"], "delay_seconds");
  EXPECT_DOUBLE_EQ(v["requested"].get<double>(), 0.05);
  EXPECT_EQ(v["packets"], 100);
  EXPECT_DOUBLE_EQ(v["p50_bucket"][0].get<double>(), 0.033554432);
  EXPECT_DOUBLE_EQ(v["p50_bucket"][1].get<double>(), 0.067108864);
  EXPECT_GT(v["p50"].get<double>(), 0.0335);
  EXPECT_LT(v["p50"].get<double>(), 0.0672);
  // The 99th of 100 samples is in slot 27.
  EXPECT_DOUBLE_EQ(v["p99_bucket"][0].get<double>(), 0.134217728);
}

TEST(GuardReport, QuantileOfSlotZeroStartsAtZero) {
  FaultCounters c;
  c.delay_hist[0] = 4;
  auto q = log2_hist_quantile(c, 0.5);
  EXPECT_EQ(q.low_seconds, 0.0);
  EXPECT_DOUBLE_EQ(q.high_seconds, 2e-9);
}

TEST(GuardReport, PartitionIsVerifiedAgainstAHundredPercent) {
  FaultSpec s;
  s.action = Action::partition;
  FaultCounters c;
  c.dropped = 500;
  json v = verification_json(s, c);
  EXPECT_EQ(v["requested"], 100.0);
  EXPECT_EQ(v["within_interval"], true);
  c.passed = 50;
  EXPECT_EQ(verification_json(s, c)["within_interval"], false);
}

TEST(GuardReport, KindsWithoutAFigureHaveNoVerification) {
  FaultSpec s;
  s.action = Action::bandwidth;
  EXPECT_TRUE(verification_json(s, FaultCounters{}).is_null());
}

}  // namespace
