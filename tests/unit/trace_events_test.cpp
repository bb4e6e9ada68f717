#include "daemon/trace_events.h"

#include <gtest/gtest.h>

#include <thread>

#include "daemon/trace_publisher.h"

using namespace seismo;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
const std::string kUid = "0d6c1a39-4c2b-4f8e-9f5e-2b1a7c3d9e10";
const std::string kId(64, 'c');
const std::string kPodSlice =
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d6c1a39_4c2b_4f8e_9f5e_2b1a7c3d9e10.slice";
const std::string kScope = kPodSlice + "/cri-containerd-" + kId + ".scope";

pods::Pod web() {
  pods::Pod p;
  p.uid = kUid;
  p.namespace_name = "shop";
  p.name = "web-0";
  p.labels = {{"app", "web"}};
  p.containers.push_back({"main", kId, "containerd"});
  return p;
}

json exec_in(const std::string& cgroup, uint32_t pid) {
  probes::ExecEvent ev;
  ev.pid = pid;
  ev.comm = "true";
  return daemon::exec_event_json(ev, cgroup);
}
}  // namespace

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

TEST(TraceEvents, DnsEventsCarryNameTypeRcodeLatencyAndServerWithNullTask) {
  probes::DnsEvent ev;
  ev.cgroup_id = 7;
  ev.ts_ns = 11;
  ev.latency_ns = 20'100'000;
  ev.server = "10.96.0.10";
  ev.server_port = 53;
  ev.id = 4242;
  ev.qtype = 28;
  ev.rcode = 3;
  ev.protocol = "udp";
  ev.name = "api.example.com.";
  auto j = daemon::dns_event_json(ev, "/p");
  for (const char* key : {"kind", "monotonic_ns", "cgroup_id", "cgroup", "pid", "comm"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["kind"], "dns");
  EXPECT_TRUE(j["pid"].is_null());
  EXPECT_EQ(j["name"], "api.example.com.");
  EXPECT_EQ(j["qtype"], "AAAA");
  EXPECT_EQ(j["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["latency_ns"], 20'100'000u);
  EXPECT_EQ(j["server"], "10.96.0.10");
  EXPECT_EQ(j["server_port"], 53);
  EXPECT_EQ(j["protocol"], "udp");
  EXPECT_EQ(j["id"], 4242);
}

TEST(TraceEvents, PublishesOnlyToSubscribersOfTheTopic) {
  events::EventHub hub;
  daemon::TracePublisher traces(hub, "/nonexistent", nullptr);
  auto sub = hub.subscribe("tcp");
  probes::OomEvent oom;
  daemon::publish_oom_event(traces, oom);  // nobody listens to "oom"
  probes::TcpEvent tcp;
  daemon::publish_tcp_event(traces, tcp);
  auto got = sub->pop(std::chrono::milliseconds(100));
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["kind"], "tcp_retransmit");
  EXPECT_TRUE((*got)["pod_uid"].is_null()) << "a cgroup already gone has no owner";
  EXPECT_FALSE(sub->pop(std::chrono::milliseconds(10)));
  hub.unsubscribe(sub);
}

TEST(TraceEvents, PodUidAndContainerIdComeFromThePathWithoutAnApiServer) {
  events::EventHub hub;
  daemon::TracePublisher traces(hub, "/nonexistent", nullptr);
  auto sub = hub.subscribe("exec");
  traces.publish("exec", exec_in(kScope, 1));
  traces.publish("exec", exec_in(kPodSlice, 2));
  traces.publish("exec", exec_in("/system.slice/cron.service", 3));
  auto container = sub->pop(100ms), pod = sub->pop(100ms), service = sub->pop(100ms);
  ASSERT_TRUE(container && pod && service);
  EXPECT_EQ((*container)["pod_uid"], kUid);
  EXPECT_EQ((*container)["container_id"], kId);
  EXPECT_FALSE(container->contains("pod")) << "no API server: no name to join";
  EXPECT_EQ((*pod)["pod_uid"], kUid);
  EXPECT_TRUE((*pod)["container_id"].is_null());
  EXPECT_TRUE((*service)["pod_uid"].is_null());
  EXPECT_FALSE(traces.hold_counters());
  hub.unsubscribe(sub);
}

TEST(TraceEvents, AnEventThatBeatsTheWatchWaitsForItsPod) {
  events::EventHub hub;
  pods::PodStore store;
  daemon::TracePublisher traces(hub, "/nonexistent", &store, {std::chrono::milliseconds(60'000), 100});
  auto sub = hub.subscribe("exec");
  traces.publish("exec", exec_in(kScope, 1));  // the pod's first exec; the watch has not delivered it
  traces.publish("exec", exec_in("/system.slice/cron.service", 2));
  auto first = sub->pop(100ms);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["pid"], 2) << "an event with no pod to wait for is not held";
  EXPECT_EQ(traces.hold_counters()->holding, 1u);
  store.upsert(web());
  traces.pods_changed();  // what the store's listener does
  auto held = sub->pop(10s);
  ASSERT_TRUE(held);
  EXPECT_EQ((*held)["pid"], 1);
  EXPECT_EQ((*held)["namespace"], "shop");
  EXPECT_EQ((*held)["pod"], "web-0");
  EXPECT_EQ((*held)["container"], "main");
  EXPECT_EQ((*held)["labels"], (json{{"app", "web"}}));
  EXPECT_EQ(traces.hold_counters()->attributed, 1u);
  // Known now: the next one goes straight through; after deletion, events
  // still in flight keep the pod they ran in.
  traces.publish("exec", exec_in(kScope, 3));
  store.erase(kUid);
  traces.publish("exec", exec_in(kScope, 4));
  for (int pid : {3, 4}) {
    auto ev = sub->pop(100ms);
    ASSERT_TRUE(ev);
    EXPECT_EQ((*ev)["pid"], pid);
    EXPECT_EQ((*ev)["pod"], "web-0");
  }
  EXPECT_EQ(traces.hold_counters()->held, 1u);
  hub.unsubscribe(sub);
}
