#include "metrics/attribution_hold_collector.h"

#include <gtest/gtest.h>

using namespace seismo;

TEST(AttributionHoldCollector, ExportsOutcomesOverflowAndWhatIsHeldNow) {
  events::AttributionHoldCounters c;
  c.held = 7;
  c.attributed = 5;
  c.expired = 1;
  c.overflow = 3;
  c.holding = 1;
  auto families = metrics::AttributionHoldCollector([c] { return c; }).Collect();
  std::map<std::string, std::vector<prometheus::ClientMetric>> by_name;
  for (auto& f : families) by_name[f.name] = f.metric;
  ASSERT_EQ(by_name.size(), 3u);
  const auto& held = by_name["seismo_trace_events_held_total"];
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].label[0].value, "attributed");
  EXPECT_EQ(held[0].counter.value, 5);
  EXPECT_EQ(held[1].label[0].value, "expired");
  EXPECT_EQ(held[1].counter.value, 1);
  EXPECT_EQ(by_name["seismo_trace_hold_overflow_total"][0].counter.value, 3);
  EXPECT_EQ(by_name["seismo_trace_events_holding"][0].gauge.value, 1);
}
