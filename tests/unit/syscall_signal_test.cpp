#include "metrics/syscall_signal.h"

#include <gtest/gtest.h>

#include <map>

using namespace seismo;
using namespace seismo::metrics;

namespace {

class FakeSyscallSource : public probes::SyscallStatsSource {
 public:
  std::vector<probes::SyscallSample> rows;
  void for_each(const std::function<void(const probes::SyscallSample&)>& visit) override {
    for (const auto& r : rows) visit(r);
  }
  std::vector<probes::LossCount> losses() override { return {{"syscall_map_full", 7}}; }
  void add(uint64_t cg, uint32_t nr, uint64_t calls, uint64_t errors, uint64_t slot5 = 0) {
    probes::SyscallSample s;
    s.cgroup_id = cg;
    s.nr = nr;
    s.stats.calls = calls;
    s.stats.errors = errors;
    s.stats.hist[5] = slot5;
    s.stats.timed = slot5;
    s.stats.dur_sum_ns = slot5 * 40;
    rows.push_back(s);
  }
};

class FakeLabeler : public CgroupLabeler {
 public:
  std::map<uint64_t, std::string> live;
  void begin_pass() override {}
  std::optional<Labels> labels(uint64_t id) override {
    auto it = live.find(id);
    if (it == live.end()) return std::nullopt;
    return Labels{{"cgroup", it->second}};
  }
  Labels overflow_labels() const override { return {{"cgroup", kOverflowValue}}; }
  std::optional<std::string> name(uint64_t id) override {
    auto it = live.find(id);
    return it == live.end() ? std::nullopt : std::optional(it->second);
  }
};

const prometheus::MetricFamily* family(const std::vector<prometheus::MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams)
    if (f.name == name) return &f;
  return nullptr;
}

std::string label(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label)
    if (l.name == name) return l.value;
  return "";
}

constexpr uint32_t kGetppid = 110;  // x86_64
constexpr uint32_t kOpenat = 257;

}  // namespace

TEST(SyscallSignal, ExportsCallsErrorsAndHistogramPerCgroupAndSyscall) {
  FakeSyscallSource src;
  src.add(1, kGetppid, 100000, 0, 100000);
  src.add(1, kOpenat, 10, 4);
  FakeLabeler lab;
  lab.live[1] = "/test";
  SeriesBudget budget(1000);
  SyscallSignal sig(src, true);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  sig.collect(ctx, out);

  const auto* calls = family(out, "seismo_syscalls_total");
  const auto* errors = family(out, "seismo_syscall_errors_total");
  const auto* dur = family(out, "seismo_syscall_duration_seconds");
  ASSERT_TRUE(calls && errors && dur);
  ASSERT_EQ(calls->metric.size(), 2u);
  for (const auto& m : calls->metric) {
    EXPECT_EQ(label(m, "cgroup"), "/test");
    if (label(m, "syscall") == "getppid") {
      EXPECT_EQ(m.counter.value, 100000);
    } else {
      EXPECT_EQ(label(m, "syscall"), "openat");
    }
  }
  for (const auto& m : errors->metric) {
    if (label(m, "syscall") == "openat") {
      EXPECT_EQ(m.counter.value, 4);
    }
  }
  const auto& h = dur->metric[0].histogram;
  EXPECT_EQ(h.sample_count, 100000u);
  EXPECT_EQ(h.bucket.back().cumulative_count, 100000u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 100000 * 40 / 1e9);
  EXPECT_EQ(budget.used(), 2 * sig.pair_cost());
}

TEST(SyscallSignal, CountModeHasNoHistogramAndCheaperPairs) {
  FakeSyscallSource src;
  src.add(1, kGetppid, 5, 0);
  FakeLabeler lab;
  lab.live[1] = "/c";
  SeriesBudget budget(100);
  SyscallSignal sig(src, false);
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  sig.collect(ctx, out);
  EXPECT_EQ(family(out, "seismo_syscall_duration_seconds"), nullptr);
  EXPECT_EQ(sig.pair_cost(), 2u);
}

TEST(SyscallSignal, OverBudgetRowsFoldIntoOneOverflowSeries) {
  FakeSyscallSource src;
  FakeLabeler lab;
  for (uint64_t cg = 1; cg <= 10; ++cg) {
    lab.live[cg] = "/cg" + std::to_string(cg);
    src.add(cg, kGetppid, cg * 10, 1);
  }
  SyscallSignal sig(src, true);
  SeriesBudget budget(3 * sig.pair_cost());
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  sig.collect(ctx, out);
  const auto* calls = family(out, "seismo_syscalls_total");
  ASSERT_EQ(calls->metric.size(), 4u);  // 3 admitted + overflow
  double total = 0, overflow = 0;
  for (const auto& m : calls->metric) {
    total += m.counter.value;
    if (label(m, "cgroup") == kOverflowValue) overflow = m.counter.value;
  }
  EXPECT_EQ(total, 550);  // nothing lost, only folded
  EXPECT_EQ(overflow, 550 - 10 - 20 - 30);
  EXPECT_EQ(budget.dropped_total(), 7 * sig.pair_cost());
}

TEST(SyscallSignal, DeadCgroupRowsAreDroppedAndFreeTheirBudget) {
  FakeSyscallSource src;
  src.add(1, kGetppid, 1, 0);
  src.add(2, kGetppid, 2, 0);
  FakeLabeler lab;
  lab.live[1] = "/a";
  lab.live[2] = "/b";
  SeriesBudget budget(1000);
  SyscallSignal sig(src, true);
  {
    ScrapeContext ctx{lab, budget};
    std::vector<prometheus::MetricFamily> out;
    sig.collect(ctx, out);
  }
  lab.live.erase(2);  // cgroup /b removed
  ScrapeContext ctx{lab, budget};
  std::vector<prometheus::MetricFamily> out;
  sig.collect(ctx, out);
  EXPECT_EQ(family(out, "seismo_syscalls_total")->metric.size(), 1u);
  EXPECT_EQ(ctx.unknown_cgroup_rows, 1u);
  EXPECT_EQ(budget.used(), sig.pair_cost());
}

TEST(SyscallSignal, SummariesAggregatePerCgroup) {
  FakeSyscallSource src;
  src.add(1, kGetppid, 10, 0);
  src.add(1, kOpenat, 5, 2);
  FakeLabeler lab;
  lab.live[1] = "/a";
  SeriesBudget budget(1000);
  SyscallSignal sig(src, true);
  ScrapeContext ctx{lab, budget};
  std::map<uint64_t, CgroupSummary> out;
  sig.summarize(ctx, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[1].name, "/a");
  EXPECT_EQ(out[1].columns["syscalls"], 15);
  EXPECT_EQ(out[1].columns["errors"], 2);
}

TEST(SyscallNames, ResolvesFromLibseccompAndHandlesGarbage) {
  SyscallNames names;
  EXPECT_EQ(names.name(kGetppid), "getppid");
  EXPECT_EQ(names.name(kOpenat), "openat");
  EXPECT_EQ(names.name(0xffffffffu), "unknown");
  EXPECT_EQ(names.name(SEISMO_SYSCALL_NR_OTHER), "unknown");  // the kernel's fold of out-of-range numbers
  EXPECT_EQ(names.name(SEISMO_SYSCALL_NR_OTHER - 1), "syscall_510");
  EXPECT_EQ(names.name(5000), "invalid");
}
