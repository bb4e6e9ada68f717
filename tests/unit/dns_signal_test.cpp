#include "metrics/dns_signal.h"

#include <gtest/gtest.h>

#include "signals_fakes.h"

using namespace seismo;
using namespace seismo::metrics;
using namespace seismo::testing;

namespace {

probes::DnsRow row_with(size_t rcode, size_t qtype, uint64_t n) {
  probes::DnsRow r{};
  r.requests[rcode][qtype] = n;
  r.latency_count = n;
  r.latency_sum_ns = n * 20'000'000;
  r.latency_hist[24] = n;  // 20 ms is in [2^24, 2^25) ns
  return r;
}

}  // namespace

TEST(DnsSignal, ExportsSeenPairsTheHistogramAndBothMalformedDirections) {
  FakeCgroupSource<probes::DnsRow> src;
  auto r = row_with(SEISMO_DNS_RCODE_OTHER, SEISMO_DNS_QTYPE_AAAA, 3);
  r.requests[3][SEISMO_DNS_QTYPE_A] = 2;
  r.latency_count = 5;
  r.latency_hist[24] = 5;
  r.malformed[SEISMO_DNS_DIR_EGRESS] = 7;
  src.rows = {{10, r}};
  FakeLabeler lab;
  lab.live[10] = "/a";
  SeriesBudget budget(100);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  DnsSignal(src).collect(ctx, out);

  auto* requests = find_family(out, "seismo_dns_requests_total");
  auto* latency = find_family(out, "seismo_dns_latency_seconds");
  auto* malformed = find_family(out, "seismo_dns_malformed_total");
  ASSERT_TRUE(requests && latency && malformed);
  ASSERT_EQ(requests->metric.size(), 2u) << "only pairs seen";
  EXPECT_EQ(find_metric(requests, {{"cgroup", "/a"}, {"rcode", "other"}, {"qtype", "AAAA"}})->counter.value, 3);
  EXPECT_EQ(find_metric(requests, {{"cgroup", "/a"}, {"rcode", "NXDOMAIN"}, {"qtype", "A"}})->counter.value, 2);
  EXPECT_EQ(find_metric(malformed, {{"cgroup", "/a"}, {"direction", "egress"}})->counter.value, 7);
  EXPECT_EQ(find_metric(malformed, {{"cgroup", "/a"}, {"direction", "ingress"}})->counter.value, 0);
  ASSERT_EQ(latency->metric.size(), 1u);
  const auto& h = latency->metric[0].histogram;
  EXPECT_EQ(h.sample_count, 5u);
  ASSERT_EQ(h.bucket.size(), DnsSignal::layout().bucket_count());
  for (const auto& b : h.bucket)  // 2^24 ns = 16.8 ms holds none, 2^25 all
    EXPECT_EQ(b.cumulative_count, b.upper_bound > 0.0168 ? 5u : 0u) << b.upper_bound;
  EXPECT_EQ(budget.used(), DnsSignal::cgroup_cost() + 2);
}

TEST(DnsSignal, RefusedPairsFoldIntoOverflowWithTheirLabelsAndDeadCgroupsAreForgotten) {
  FakeCgroupSource<probes::DnsRow> src;
  src.rows = {{1, row_with(0, SEISMO_DNS_QTYPE_A, 4)}, {2, row_with(0, SEISMO_DNS_QTYPE_A, 6)},
              {3, row_with(2, SEISMO_DNS_QTYPE_TXT, 1)}};
  FakeLabeler lab;
  lab.live = {{1, "/one"}, {2, "/two"}};  // 3 is gone
  SeriesBudget budget(DnsSignal::cgroup_cost() + 1);  // room for one cgroup and one pair
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  DnsSignal(src).collect(ctx, out);

  auto* requests = find_family(out, "seismo_dns_requests_total");
  EXPECT_EQ(find_metric(requests, {{"cgroup", "/one"}, {"rcode", "NOERROR"}, {"qtype", "A"}})->counter.value, 4);
  EXPECT_EQ(find_metric(requests, {{"cgroup", "/two"}}), nullptr);
  auto* overflow = find_metric(requests, {{"cgroup", kOverflowValue}, {"rcode", "NOERROR"}, {"qtype", "A"}});
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(overflow->counter.value, 6);
  auto* latency = find_family(out, "seismo_dns_latency_seconds");
  auto* folded = find_metric(latency, {{"cgroup", kOverflowValue}});
  ASSERT_NE(folded, nullptr);
  EXPECT_EQ(folded->histogram.sample_count, 6u);
  EXPECT_EQ(src.forgotten, std::vector<uint64_t>{3});
  EXPECT_EQ(ctx.unknown_cgroup_rows, 1u);
}
