#include "daemon/trace_events.h"

#include <gtest/gtest.h>

using namespace seismo;

TEST(TraceEvents, TcpEventsShareTheCommonFieldsWithNullTask) {
  probes::TcpEvent ev;
  ev.kind = probes::TcpEventKind::reset_received;
  ev.cgroup_id = 9;
  ev.ts_ns = 5;
  ev.family = "ipv4";
  ev.saddr = "10.0.0.1";
  ev.sport = 1;
  ev.daddr = "10.0.0.2";
  ev.dport = 2;
  ev.state = 2;
  auto j = daemon::tcp_event_json(ev, "/x");
  for (const char* key : {"kind", "monotonic_ns", "cgroup_id", "cgroup", "pid", "comm"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["kind"], "tcp_reset_received");
  EXPECT_TRUE(j["pid"].is_null());
  EXPECT_EQ(j["state"], "SYN_SENT");
  EXPECT_EQ(j["cgroup"], "/x");
}

TEST(TraceEvents, OomEventsNameTheVictim) {
  probes::OomEvent ev;
  ev.pid = 10;
  ev.comm = "victim";
  ev.cgroup_id = 3;
  auto j = daemon::oom_event_json(ev, nullptr);
  EXPECT_EQ(j["kind"], "oom_kill");
  EXPECT_EQ(j["pid"], 10);
  EXPECT_EQ(j["comm"], "victim");
  EXPECT_TRUE(j["cgroup"].is_null()) << "a cgroup already gone is null, not a guess";
}

TEST(TraceEvents, PublishesOnlyToSubscribersOfTheTopic) {
  events::EventHub hub;
  cgroup::CgroupResolver resolver("/nonexistent");
  std::mutex m;
  auto sub = hub.subscribe("tcp");
  probes::OomEvent oom;
  daemon::publish_oom_event(hub, resolver, m, oom);  // nobody listens to "oom"
  probes::TcpEvent tcp;
  daemon::publish_tcp_event(hub, resolver, m, tcp);
  auto got = sub->pop(std::chrono::milliseconds(100));
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["kind"], "tcp_retransmit");
  EXPECT_FALSE(sub->pop(std::chrono::milliseconds(10)));
  hub.unsubscribe(sub);
}
