#include "metrics/net_signal.h"

#include <gtest/gtest.h>

#include "signals_fakes.h"

using namespace seismo;
using namespace seismo::metrics;
using namespace seismo::testing;

namespace {
net_stats stats(uint64_t rxp, uint64_t rxb, uint64_t txp, uint64_t txb) { return net_stats{rxp, rxb, txp, txb}; }
}  // namespace

TEST(NetSignal, ExportsPacketsAndBytesPerCgroupAndDirection) {
  FakeCgroupSource<net_stats> src;
  src.rows = {{10, stats(1, 100, 2, 200)}};
  FakeLabeler lab;
  lab.live[10] = "/a";
  SeriesBudget budget(100);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  NetSignal(src).collect(ctx, out);

  auto* packets = find_family(out, "seismo_network_packets_total");
  auto* bytes = find_family(out, "seismo_network_bytes_total");
  ASSERT_TRUE(packets && bytes);
  EXPECT_EQ(packets->type, prometheus::MetricType::Counter);
  ASSERT_EQ(packets->metric.size(), 2u);
  EXPECT_EQ(find_metric(packets, {{"cgroup", "/a"}, {"direction", "ingress"}})->counter.value, 1);
  EXPECT_EQ(find_metric(packets, {{"cgroup", "/a"}, {"direction", "egress"}})->counter.value, 2);
  EXPECT_EQ(find_metric(bytes, {{"cgroup", "/a"}, {"direction", "ingress"}})->counter.value, 100);
  EXPECT_EQ(find_metric(bytes, {{"cgroup", "/a"}, {"direction", "egress"}})->counter.value, 200);
  EXPECT_EQ(budget.used(), NetSignal::kCost);
}

TEST(NetSignal, FoldsWhatTheBudgetRefusesIntoOverflowAndForgetsDeadCgroups) {
  FakeCgroupSource<net_stats> src;
  src.rows = {{1, stats(1, 10, 1, 10)}, {2, stats(2, 20, 2, 20)}, {3, stats(3, 30, 3, 30)}, {4, stats(9, 9, 9, 9)}};
  FakeLabeler lab;
  lab.live = {{1, "/one"}, {2, "/two"}, {3, "/three"}};  // 4 is gone
  SeriesBudget budget(NetSignal::kCost);                 // room for one cgroup
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  NetSignal(src).collect(ctx, out);

  auto* bytes = find_family(out, "seismo_network_bytes_total");
  EXPECT_NE(find_metric(bytes, {{"cgroup", "/one"}}), nullptr);
  EXPECT_EQ(find_metric(bytes, {{"cgroup", "/two"}}), nullptr);
  auto* overflow = find_metric(bytes, {{"cgroup", kOverflowValue}, {"direction", "egress"}});
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(overflow->counter.value, 50) << "the refused cgroups' totals are kept";
  EXPECT_EQ(src.forgotten, std::vector<uint64_t>{4});
  EXPECT_EQ(ctx.unknown_cgroup_rows, 1u);
  EXPECT_EQ(budget.dropped_total(), 2 * NetSignal::kCost);
}

TEST(NetSignal, SummarizesByteAndPacketColumnsForTop) {
  FakeCgroupSource<net_stats> src;
  src.rows = {{1, stats(1, 10, 2, 20)}};
  FakeLabeler lab;
  lab.live[1] = "/x";
  SeriesBudget budget(100);
  ScrapeContext ctx{lab, budget};
  std::map<uint64_t, CgroupSummary> sums;
  NetSignal(src).summarize(ctx, sums);
  ASSERT_EQ(sums.count(1), 1u);
  EXPECT_EQ(sums[1].name, "/x");
  EXPECT_EQ(sums[1].columns["rx_bytes"], 10);
  EXPECT_EQ(sums[1].columns["tx_bytes"], 20);
  EXPECT_EQ(sums[1].columns["rx_packets"], 1);
  EXPECT_EQ(sums[1].columns["tx_packets"], 2);
}
