#include "metrics/oom_signal.h"

#include <gtest/gtest.h>

#include "signals_fakes.h"

using namespace seismo;
using namespace seismo::metrics;
using namespace seismo::testing;

TEST(OomSignal, CountsKillsPerVictimCgroup) {
  FakeCgroupSource<uint64_t> src;
  src.rows = {{1, 2}, {2, 1}, {3, 5}};
  FakeLabeler lab;
  lab.live = {{1, "/a"}, {2, "/b"}};  // 3 died (as OOM-killed cgroups often do)
  SeriesBudget budget(1);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  OomSignal(src).collect(ctx, out);
  auto* f = find_family(out, "seismo_oom_kills_total");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(find_metric(f, {{"cgroup", "/a"}})->counter.value, 2);
  EXPECT_EQ(find_metric(f, {{"cgroup", kOverflowValue}})->counter.value, 1);
  EXPECT_EQ(find_metric(f, {{"cgroup", "/b"}}), nullptr);
  EXPECT_EQ(src.forgotten, std::vector<uint64_t>{3});

  std::map<uint64_t, CgroupSummary> sums;
  OomSignal(src).summarize(ctx, sums);
  EXPECT_EQ(sums[1].columns["oom_kills"], 2);
}
