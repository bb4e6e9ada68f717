#include "metrics/tcp_signal.h"

#include <gtest/gtest.h>

#include <cmath>

#include "signals_fakes.h"

using namespace seismo;
using namespace seismo::metrics;
using namespace seismo::testing;

namespace {
tcp_stats row() {
  tcp_stats s{};
  s.active_opens = 5;
  s.passive_opens = 2;
  s.connect_failures = 1;
  s.retransmits = 7;
  s.resets_sent = 3;
  s.resets_received = 4;
  s.connect_timed = 5;
  s.connect_sum_ns = 5 * 50'000;
  s.connect_hist[15] = 5;  // [32.8 µs, 65.5 µs)
  return s;
}
}  // namespace

TEST(TcpSignal, ExportsCountersByDirectionAndTheConnectHistogram) {
  FakeCgroupSource<tcp_stats> src;
  src.rows = {{1, row()}};
  FakeLabeler lab;
  lab.live[1] = "/svc";
  SeriesBudget budget(1000);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  TcpSignal(src).collect(ctx, out);

  auto value = [&](const char* fam, std::map<std::string, std::string> match) {
    match["cgroup"] = "/svc";
    auto* m = find_metric(find_family(out, fam), match);
    return m ? m->counter.value : -1;
  };
  EXPECT_EQ(value("seismo_tcp_connections_opened_total", {{"direction", "active"}}), 5);
  EXPECT_EQ(value("seismo_tcp_connections_opened_total", {{"direction", "passive"}}), 2);
  EXPECT_EQ(value("seismo_tcp_connect_failures_total", {}), 1);
  EXPECT_EQ(value("seismo_tcp_retransmits_total", {}), 7);
  EXPECT_EQ(value("seismo_tcp_resets_total", {{"direction", "sent"}}), 3);
  EXPECT_EQ(value("seismo_tcp_resets_total", {{"direction", "received"}}), 4);

  auto* hist = find_metric(find_family(out, "seismo_tcp_connect_duration_seconds"), {{"cgroup", "/svc"}});
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->histogram.sample_count, 5u);
  EXPECT_DOUBLE_EQ(hist->histogram.sample_sum, 250e-6);
  // Bounds 4.1 µs, 16.4 µs, 65.5 µs, …: the 5 connects land at 65.5 µs.
  const auto& b = hist->histogram.bucket;
  ASSERT_EQ(b.size(), TcpSignal::connect_layout().bucket_count());
  EXPECT_EQ(b[1].cumulative_count, 0u);
  EXPECT_DOUBLE_EQ(b[2].upper_bound, std::ldexp(1.0, 16) / 1e9);
  EXPECT_EQ(b[2].cumulative_count, 5u);
  EXPECT_TRUE(std::isinf(b.back().upper_bound));
  EXPECT_EQ(b.back().cumulative_count, 5u);
  EXPECT_EQ(budget.used(), TcpSignal::cost());
}

TEST(TcpSignal, OverflowSumsRefusedCgroups) {
  FakeCgroupSource<tcp_stats> src;
  src.rows = {{1, row()}, {2, row()}, {3, row()}};
  FakeLabeler lab;
  lab.live = {{1, "/a"}, {2, "/b"}, {3, "/c"}};
  SeriesBudget budget(TcpSignal::cost());
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  TcpSignal(src).collect(ctx, out);
  auto* retrans = find_metric(find_family(out, "seismo_tcp_retransmits_total"), {{"cgroup", kOverflowValue}});
  ASSERT_NE(retrans, nullptr);
  EXPECT_EQ(retrans->counter.value, 14);
  auto* hist = find_metric(find_family(out, "seismo_tcp_connect_duration_seconds"), {{"cgroup", kOverflowValue}});
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->histogram.sample_count, 10u);
}

TEST(TcpSignal, SummarizesForTop) {
  FakeCgroupSource<tcp_stats> src;
  src.rows = {{1, row()}};
  FakeLabeler lab;
  lab.live[1] = "/svc";
  SeriesBudget budget(1000);
  ScrapeContext ctx{lab, budget};
  std::map<uint64_t, CgroupSummary> sums;
  TcpSignal(src).summarize(ctx, sums);
  EXPECT_EQ(sums[1].columns["tcp_opens"], 7);
  EXPECT_EQ(sums[1].columns["tcp_retransmits"], 7);
  EXPECT_EQ(sums[1].columns["tcp_resets"], 7);
  EXPECT_EQ(sums[1].columns["tcp_connect_failures"], 1);
}
