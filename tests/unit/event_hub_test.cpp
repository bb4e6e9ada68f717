#include "events/event_hub.h"

#include <gtest/gtest.h>

#include <thread>

using seismo::events::EventHub;
using namespace std::chrono_literals;

TEST(EventHub, DeliversOnlyToMatchingTopic) {
  EventHub hub;
  EXPECT_FALSE(hub.has_subscribers("exec"));
  auto exec = hub.subscribe("exec");
  auto tcp = hub.subscribe("tcp");
  EXPECT_TRUE(hub.has_subscribers("exec"));
  hub.publish("exec", {{"pid", 1}});
  auto got = exec->pop(100ms);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["pid"], 1);
  EXPECT_FALSE(tcp->pop(10ms));
}

TEST(EventHub, SlowSubscriberLosesEventsAndTheyAreCounted) {
  EventHub hub(3);
  auto sub = hub.subscribe("exec");
  for (int i = 0; i < 10; ++i) hub.publish("exec", {{"i", i}});
  EXPECT_EQ(sub->dropped(), 7u);
  EXPECT_EQ(hub.dropped_total(), 7u);
  EXPECT_EQ((*sub->pop(10ms))["i"], 0);  // oldest kept, newest dropped
}

TEST(EventHub, UnsubscribeStopsDelivery) {
  EventHub hub;
  auto sub = hub.subscribe("exec");
  hub.unsubscribe(sub);
  EXPECT_FALSE(hub.has_subscribers("exec"));
  hub.publish("exec", {{"x", 1}});
  EXPECT_FALSE(sub->pop(10ms));
}

TEST(EventHub, PopWakesOnPublishFromAnotherThread) {
  EventHub hub;
  auto sub = hub.subscribe("exec");
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    hub.publish("exec", {{"x", 2}});
  });
  auto got = sub->pop(2s);
  t.join();
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["x"], 2);
}
