#include "metrics/sched_signal.h"

#include <gtest/gtest.h>

#include "signals_fakes.h"

using namespace seismo;
using namespace seismo::metrics;
using namespace seismo::testing;

namespace {
runq_stats waits(uint64_t n, unsigned slot) {
  runq_stats s{};
  s.count = n;
  s.sum_ns = n * (uint64_t{1} << slot);
  s.hist[slot] = n;
  return s;
}
}  // namespace

TEST(SchedSignal, ExportsARunQueueHistogramPerCgroup) {
  FakeCgroupSource<runq_stats> src;
  src.rows = {{1, waits(10, 21)}};  // ~2 ms each
  FakeLabeler lab;
  lab.live[1] = "/hogs";
  SeriesBudget budget(100);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  SchedSignal(src).collect(ctx, out);
  auto* f = find_family(out, "seismo_sched_runqueue_latency_seconds");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, prometheus::MetricType::Histogram);
  auto* m = find_metric(f, {{"cgroup", "/hogs"}});
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->histogram.sample_count, 10u);
  // 2^21 ns falls under the 2^22 ns (4.19 ms) bound, not under 2^20.
  for (const auto& b : m->histogram.bucket) {
    if (b.upper_bound < 2.1e-3) {
      EXPECT_EQ(b.cumulative_count, 0u) << b.upper_bound;
    }
    if (b.upper_bound > 4.1e-3) {
      EXPECT_EQ(b.cumulative_count, 10u) << b.upper_bound;
    }
  }
  EXPECT_EQ(budget.used(), SchedSignal::cost());
}

TEST(SchedSignal, DeadCgroupsAreForgottenRefusedOnesFolded) {
  FakeCgroupSource<runq_stats> src;
  src.rows = {{1, waits(1, 10)}, {2, waits(2, 10)}, {3, waits(3, 10)}};
  FakeLabeler lab;
  lab.live = {{1, "/a"}, {2, "/b"}};
  SeriesBudget budget(SchedSignal::cost());
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  SchedSignal(src).collect(ctx, out);
  auto* f = find_family(out, "seismo_sched_runqueue_latency_seconds");
  EXPECT_EQ(find_metric(f, {{"cgroup", kOverflowValue}})->histogram.sample_count, 2u);
  EXPECT_EQ(src.forgotten, std::vector<uint64_t>{3});

  std::map<uint64_t, CgroupSummary> sums;
  SchedSignal(src).summarize(ctx, sums);
  EXPECT_EQ(sums[1].columns["runq_waits"], 1);
  EXPECT_DOUBLE_EQ(sums[2].columns["runq_seconds"], 2 * 1024 / 1e9);
}
