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

TEST(TopSnapshot, PodFiltersRunInTheDaemon) {
  metrics::Scraper scraper(std::make_unique<NamesLabeler>(), 100, {});
  scraper.add_signal(std::make_shared<StaticSignal>());
  // Without pods (no API server), a pod filter is refused, naming the fields.
  auto off = daemon::top_snapshot(scraper, {{"namespace", "shop"}});
  ASSERT_FALSE(off);
  EXPECT_NE(off.error().message().find("'namespace'"), std::string::npos);
  // cgroup 1 is pod shop/web-1 (app=web); cgroup 2 is not a pod's.
  daemon::PodOfCgroupId pod_of = [](uint64_t id) -> std::optional<pods::PodAttribution> {
    if (id != 1) return std::nullopt;
    pods::Pod p;
    p.uid = "u1";
    p.namespace_name = "shop";
    p.name = "web-1";
    p.labels = {{"app", "web"}};
    return pods::PodAttribution{p, "nginx"};
  };
  auto all = daemon::top_snapshot(scraper, nlohmann::json::object(), pod_of);
  ASSERT_TRUE(all);
  ASSERT_EQ((*all)["cgroups"].size(), 2u);
  auto web = daemon::top_snapshot(scraper, {{"selector", "app=web"}, {"namespace", "shop"}}, pod_of);
  ASSERT_TRUE(web) << web.error().message();
  ASSERT_EQ((*web)["cgroups"].size(), 1u);
  EXPECT_EQ((*web)["cgroups"][0]["pod"], "web-1");
  EXPECT_EQ((*web)["cgroups"][0]["container"], "nginx");
  auto none = daemon::top_snapshot(scraper, {{"pod", "web-2"}}, pod_of);
  ASSERT_TRUE(none);
  EXPECT_TRUE((*none)["cgroups"].empty());
  EXPECT_FALSE(daemon::top_snapshot(scraper, {{"selector", "app in x"}}, pod_of));
}

TEST(TraceParams, PodFiltersNeedPods) {
  EXPECT_FALSE(daemon::validate_trace_params({{"namespace", "shop"}}));
  EXPECT_TRUE(daemon::validate_trace_params({{"namespace", "shop"}, {"selector", "app=web"}, {"pod", "x"}}, true));
  auto bad = daemon::validate_trace_params({{"selector", "=="}}, true);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("field 'selector'"), std::string::npos);
}
