#include "daemon/control_methods.h"

#include <gtest/gtest.h>

using namespace seismo;

TEST(TraceParams, AcceptsEmptyAndCgroupPrefix) {
  EXPECT_TRUE(daemon::validate_trace_params(nlohmann::json::object()));
  EXPECT_TRUE(daemon::validate_trace_params({{"cgroup", "/system.slice"}}));
}

TEST(TraceParams, RejectsBadFieldsNamingThem) {
  for (const auto& bad : {nlohmann::json{{"cgroup", 5}}, nlohmann::json{{"cgroup", "relative"}},
                          nlohmann::json{{"cgroup", ""}}, nlohmann::json{{"pid", 1}}}) {
    auto r = daemon::validate_trace_params(bad);
    ASSERT_FALSE(r) << bad.dump();
    EXPECT_NE(r.error().message().find("field '"), std::string::npos);
  }
}

namespace {
class StaticSignal : public metrics::Signal {
 public:
  void collect(metrics::ScrapeContext&, std::vector<prometheus::MetricFamily>&) override {}
  void summarize(metrics::ScrapeContext& ctx, std::map<uint64_t, metrics::CgroupSummary>& out) override {
    for (uint64_t id : {1, 2, 3})
      if (auto* s = metrics::summary_for(ctx, out, id)) s->columns["syscalls"] = static_cast<double>(id * 100);
  }
  std::vector<probes::LossCount> losses() override { return {}; }
};
class NamesLabeler : public metrics::CgroupLabeler {
 public:
  void begin_pass() override {}
  std::optional<metrics::Labels> labels(uint64_t id) override { return metrics::Labels{{"cgroup", *name(id)}}; }
  metrics::Labels overflow_labels() const override { return {}; }
  std::optional<std::string> name(uint64_t id) override {
    if (id == 3) return std::nullopt;  // a cgroup that died
    return "/cg" + std::to_string(id);
  }
};
}  // namespace

TEST(TopSnapshot, SortsByRateSkipsDeadCgroupsAndValidatesLimit) {
  metrics::Scraper scraper(std::make_unique<NamesLabeler>(), 100, {});
  scraper.add_signal(std::make_shared<StaticSignal>());
  auto r = daemon::top_snapshot(scraper, nlohmann::json::object());
  ASSERT_TRUE(r);
  const auto& rows = (*r)["cgroups"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["cgroup"], "/cg2");
  EXPECT_EQ(rows[1]["syscalls"], 100);
  EXPECT_TRUE((*r)["monotonic_seconds"].is_number());
  auto limited = daemon::top_snapshot(scraper, {{"limit", 1}});
  ASSERT_TRUE(limited);
  EXPECT_EQ((*limited)["cgroups"].size(), 1u);
  EXPECT_FALSE(daemon::top_snapshot(scraper, {{"limit", 0}}));
  EXPECT_FALSE(daemon::top_snapshot(scraper, {{"limit", "x"}}));
}
