#include <gtest/gtest.h>

#include "chaos/fault_collector.h"

using namespace seismo::chaos;

TEST(FaultCollector, ExportsPacketsDelayHistogramAndActiveCount) {
  FaultSample loss{"drop10", Action::loss, {}};
  loss.counters.passed = 90;
  loss.counters.dropped = 10;
  FaultSample delay{"slow", Action::delay, {}};
  delay.counters.delayed = 5;
  delay.counters.delay_ns = 5 * 50'000'000ULL;
  delay.counters.delay_hist[25] = 5;  // 50 ms
  FaultCollector c([&] { return std::vector<FaultSample>{loss, delay}; }, [] { return std::vector<uint64_t>{3}; });
  auto families = c.Collect();
  ASSERT_EQ(families.size(), 7u);  // + seismo_fault_aborts_total, seismo_fault_guard_count (empty: no guard)
  const auto& packets = families[0];
  EXPECT_EQ(packets.name, "seismo_fault_packets_total");
  // passed, dropped, delayed for each; a delay fault also has reordered.
  ASSERT_EQ(packets.metric.size(), 7u);
  EXPECT_EQ(packets.metric[6].label[0].value, "slow");
  EXPECT_EQ(packets.metric[6].label[1].value, "reordered");
  EXPECT_EQ(packets.metric[0].label[0].value, "drop10");
  EXPECT_EQ(packets.metric[0].label[1].value, "passed");
  EXPECT_EQ(packets.metric[0].counter.value, 90);
  EXPECT_EQ(packets.metric[1].label[1].value, "dropped");
  EXPECT_EQ(packets.metric[1].counter.value, 10);
  const auto& hist = families[1];
  EXPECT_EQ(hist.name, "seismo_fault_added_delay_seconds");
  ASSERT_EQ(hist.metric.size(), 1u) << "loss faults have no delay histogram";
  EXPECT_EQ(hist.metric[0].histogram.sample_count, 5u);
  EXPECT_DOUBLE_EQ(hist.metric[0].histogram.sample_sum, 0.25);
  // 50 ms sits in [2^25, 2^26) ns: counted from the 2^26 ns (67 ms) bound on.
  for (const auto& b : hist.metric[0].histogram.bucket)
    EXPECT_EQ(b.cumulative_count, b.upper_bound >= 0.067 ? 5u : 0u) << b.upper_bound;
  EXPECT_EQ(families[2].name, "seismo_faults_active");
  EXPECT_EQ(families[2].metric[0].gauge.value, 2);
  EXPECT_EQ(families[3].metric[0].counter.value, 3);
  EXPECT_EQ(families[4].name, "seismo_faults_broken");
  EXPECT_EQ(families[4].metric[0].gauge.value, 0);
}

TEST(FaultCollector, AKindsOwnVerdictOnlyOnFaultsOfThatKind) {
  FaultSample dup{"dup", Action::duplicate, {}};
  dup.counters.duplicated = 7;
  FaultSample bad{"bad", Action::corrupt, {}};
  bad.counters.corrupted = 4;
  FaultCollector c([&] { return std::vector<FaultSample>{dup, bad}; }, [] { return std::vector<uint64_t>{}; });
  const auto packets = c.Collect()[0];
  ASSERT_EQ(packets.metric.size(), 8u);
  EXPECT_EQ(packets.metric[3].label[1].value, "duplicated");
  EXPECT_EQ(packets.metric[3].counter.value, 7);
  EXPECT_EQ(packets.metric[7].label[1].value, "corrupted");
  EXPECT_EQ(packets.metric[7].counter.value, 4);
}

TEST(FaultCollector, CountsBrokenFaults) {
  FaultSample ok{"ok", Action::loss, {}};
  FaultSample broken{"tampered", Action::loss, {}, true};
  FaultCollector c([&] { return std::vector<FaultSample>{ok, broken}; }, [] { return std::vector<uint64_t>{}; });
  auto families = c.Collect();
  ASSERT_EQ(families.size(), 7u);  // + seismo_fault_aborts_total, seismo_fault_guard_count (empty: no guard)
  EXPECT_EQ(families[4].name, "seismo_faults_broken");
  EXPECT_EQ(families[4].metric[0].gauge.value, 1);
}

TEST(FaultCollector, GuardSeriesOnlyForGuardedFaultsAndTheirBudgets) {
  FaultSample plain{"plain", Action::loss, {}};
  FaultSample guarded{"guarded", Action::loss, {}};
  guarded.guard.limits = {{GuardBudget::dropped, 100}, {GuardBudget::tcp_resets, 50}};
  guarded.counters.guard.present = true;
  guarded.counters.guard.counts[static_cast<size_t>(GuardBudget::dropped)] = 40;
  guarded.counters.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets)] = 51;
  guarded.counters.guard.counts[static_cast<size_t>(GuardBudget::tcp_retransmits)] = 9;  // no budget: no series
  guarded.counters.guard.aborted_ns = 5'000'000'000;
  guarded.counters.guard.abort_budget = GuardBudget::tcp_resets;
  guarded.counters.guard.abort_count = 51;
  FaultCollector c([&] { return std::vector<FaultSample>{plain, guarded}; }, [] { return std::vector<uint64_t>{}; });
  const auto families = c.Collect();
  ASSERT_EQ(families.size(), 7u);
  const auto& aborts = families[5];
  const auto& counts = families[6];
  EXPECT_EQ(aborts.name, "seismo_fault_aborts_total");
  EXPECT_EQ(counts.name, "seismo_fault_guard_count");
  ASSERT_EQ(aborts.metric.size(), 2u) << "one per budget of the guarded fault, none for the plain one";
  ASSERT_EQ(counts.metric.size(), 2u);
  EXPECT_EQ(aborts.metric[0].label[0].value, "guarded");
  EXPECT_EQ(aborts.metric[0].label[1].value, "dropped");
  EXPECT_EQ(aborts.metric[0].counter.value, 0);
  EXPECT_EQ(aborts.metric[1].label[1].value, "tcp_resets");
  EXPECT_EQ(aborts.metric[1].counter.value, 1);
  EXPECT_EQ(counts.metric[0].gauge.value, 40);
  EXPECT_EQ(counts.metric[1].label[1].value, "tcp_resets");
  EXPECT_EQ(counts.metric[1].gauge.value, 51);
}
