// The fault planner decides from plain facts: no root, no kernel, no fd.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "chaos/conflict_rule.h"
#include "chaos/fault_planner.h"
#include "seismo/chaos.h"

using namespace seismo;
using namespace seismo::chaos;

namespace {

constexpr uint64_t kPodNetns = 0xF0000100;
constexpr uint64_t kHostSideNetns = 0xF0000001;

FaultSpec spec(const std::string& name, Action action, Direction direction = Direction::egress) {
  FaultSpec s;
  s.name = name;
  s.action = action;
  s.direction = direction;
  s.target.netns = "web";
  s.loss.percent = 10;
  s.delay.latency_ns = 50'000'000;
  s.duration_ns = 60'000'000'000ULL;
  return s;
}

DeviceFacts pod_eth0() { return {{kPodNetns, 3, 2}, "eth0", true}; }
DeviceFacts host_veth() { return {{kHostSideNetns, 3, 7}, "veth1a2b", true}; }

EndpointFacts pod_endpoint(bool with_peer = false) {
  EndpointFacts ep;
  ep.netns_inode = kPodNetns;
  ep.netns_device = 3;
  ep.description = "netns web";
  ep.device = pod_eth0();
  if (with_peer) ep.peer = host_veth();
  return ep;
}

WorldSnapshot world(std::vector<EndpointFacts> endpoints = {pod_endpoint(true)}) {
  WorldSnapshot w;
  w.fq_available = true;
  w.host = HostNetns({{kHostSideNetns, 3, "the node's network namespace (that of PID 1)"}});
  w.endpoints = std::move(endpoints);
  return w;
}

// `name` running in `slot`, attached at `attach_id` on the pod's eth0 egress.
void place_running(WorldSnapshot& w, const FaultSpec& s, uint32_t slot, uint32_t attach_id) {
  w.installed.faults.push_back({s.name, slot, s, {attach_id}});
  for (auto& a : w.installed.attachments)
    if (a.attach_id == attach_id) {
      a.slots.push_back(slot);
      return;
    }
  w.installed.attachments.push_back({attach_id, pod_eth0().key, net::TcHook::egress, false, {slot}});
}

// Everything a plan could have changed, printed: a refused plan must leave
// it exactly as it was.
std::string fingerprint(const WorldSnapshot& w) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : w.installed.faults) j.push_back({f.name, f.slot, f.attach_ids});
  for (const auto& a : w.installed.attachments) j.push_back({a.attach_id, a.device.ifindex, a.slots});
  for (const auto& e : w.endpoints) j.push_back({e.description, e.device.has_value(), e.peer.has_value()});
  return j.dump();
}

const FaultPlanner planner(100000);

}  // namespace

TEST(FaultPlanner, PodEgressHooksTheDeviceInsideItsNetns) {
  auto w = world();
  auto plan = planner.plan_add(spec("drop", Action::loss), 0, w);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 1u);
  const auto& a = plan->attachments[0];
  EXPECT_EQ(a.device, pod_eth0().key);
  EXPECT_EQ(a.hook, net::TcHook::egress);
  EXPECT_FALSE(a.peer_is_src);
  EXPECT_TRUE(a.is_new);
  EXPECT_EQ(a.attach_id, 0u);
  EXPECT_EQ(a.slots_after, std::vector<uint32_t>{0});
  EXPECT_EQ(a.mac_header_len, 14u);
  EXPECT_EQ(a.where, "eth0 egress (netns web)");
  ASSERT_EQ(plan->devices.size(), 1u);
  EXPECT_FALSE(plan->devices[0].via_peer);
  EXPECT_FALSE(plan->fq) << "loss needs no fq";
}

TEST(FaultPlanner, IngressLossUsesThePodDevicesIngressHook) {
  auto plan = planner.plan_add(spec("drop-in", Action::loss, Direction::ingress), 0, world());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 1u);
  EXPECT_EQ(plan->attachments[0].device, pod_eth0().key);
  EXPECT_EQ(plan->attachments[0].hook, net::TcHook::ingress);
  EXPECT_TRUE(plan->attachments[0].peer_is_src);
}

TEST(FaultPlanner, IngressDelayUsesTheHostSideVethsEgress) {
  auto plan = planner.plan_add(spec("slow-in", Action::delay, Direction::ingress), 0, world());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 1u);
  const auto& a = plan->attachments[0];
  EXPECT_EQ(a.device, host_veth().key) << "EDT works at egress only";
  EXPECT_EQ(a.hook, net::TcHook::egress);
  EXPECT_TRUE(a.peer_is_src);
  EXPECT_EQ(a.where, "eth0 ingress via peer veth1a2b egress (netns web)");
  ASSERT_EQ(plan->devices.size(), 1u);
  EXPECT_TRUE(plan->devices[0].via_peer);
  ASSERT_TRUE(plan->fq);
  EXPECT_GE(plan->fq->flow_limit, 5000u) << "50 ms at 100k pps";
}

TEST(FaultPlanner, BothDirectionsDelayHooksBothEgresses) {
  auto plan = planner.plan_add(spec("slow", Action::delay, Direction::both), 0, world());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 2u);
  EXPECT_EQ(plan->attachments[0].device, pod_eth0().key);
  EXPECT_EQ(plan->attachments[1].device, host_veth().key);
  EXPECT_NE(plan->attachments[0].attach_id, plan->attachments[1].attach_id);
  EXPECT_EQ(plan->devices.size(), 2u);
}

TEST(FaultPlanner, OnlyIngressDelayAsksTheReaderForThePeer) {
  EXPECT_TRUE(FaultPlanner::needs_peer(spec("a", Action::delay, Direction::ingress)));
  EXPECT_TRUE(FaultPlanner::needs_peer(spec("b", Action::delay, Direction::both)));
  EXPECT_FALSE(FaultPlanner::needs_peer(spec("c", Action::delay, Direction::egress)));
  EXPECT_FALSE(FaultPlanner::needs_peer(spec("d", Action::loss, Direction::both)));
}

TEST(FaultPlanner, PeerThatCannotBeFoundRefusesIngressDelayNamingTheDevice) {
  auto ep = pod_endpoint();
  ep.peer = Result<DeviceFacts>(fail_errno(EOPNOTSUPP, "eth0 is not a veth"));
  auto plan = planner.plan_add(spec("slow-in", Action::delay, Direction::ingress), 0, world({ep}));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, EOPNOTSUPP);
  EXPECT_NE(plan.error().message().find("direction ingress with delay on eth0 (netns web)"), std::string::npos)
      << plan.error().message();
}

TEST(FaultPlanner, HostNetworkIsRefusedUnlessTheSpecAllowsIt) {
  EndpointFacts host;
  host.netns_inode = kHostSideNetns;
  host.netns_device = 3;
  host.description = "pid 1";
  host.device = host_veth();
  auto refused = planner.plan_add(spec("drop", Action::loss), 0, world({host}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EPERM);
  EXPECT_NE(refused.error().message().find("target.host_network: true"), std::string::npos);
  EXPECT_NE(refused.error().message().find("the node's network namespace"), std::string::npos);

  auto allowed_spec = spec("drop", Action::loss);
  allowed_spec.target.host_network = true;
  EXPECT_TRUE(planner.plan_add(allowed_spec, 0, world({host})));
}

TEST(FaultPlanner, DelayIsRefusedWithoutFqAndLossIsNot) {
  auto w = world();
  w.fq_available = false;
  auto delay = planner.admit(spec("slow", Action::delay), w);
  ASSERT_FALSE(delay);
  EXPECT_EQ(delay.error().code, EOPNOTSUPP);
  EXPECT_NE(delay.error().message().find("action delay: this kernel has no fq qdisc"), std::string::npos);
  EXPECT_TRUE(planner.admit(spec("drop", Action::loss), w));
}

TEST(FaultPlanner, ATakenNameIsRefusedNamingTheField) {
  auto w = world();
  place_running(w, spec("drop", Action::loss), 0, 0);
  auto r = planner.admit(spec("drop", Action::loss), w);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EEXIST);
  EXPECT_EQ(r.error().context.rfind("name:", 0), 0u) << r.error().message();
}

TEST(FaultPlanner, AdmitTakesTheLowestFreeSlotAndRefusesWhenAllAreUsed) {
  auto w = world();
  place_running(w, spec("a", Action::loss), 0, 0);
  place_running(w, spec("c", Action::loss), 2, 0);
  auto slot = planner.admit(spec("b", Action::loss), w);
  ASSERT_TRUE(slot);
  EXPECT_EQ(*slot, 1u);

  WorldSnapshot full = world();
  for (uint32_t s = 0; s < SEISMO_FAULT_SLOTS; ++s)
    full.installed.faults.push_back({"f" + std::to_string(s), s, spec("x", Action::loss), {}});
  auto r = planner.admit(spec("one-more", Action::loss), full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC);
}

TEST(FaultPlanner, LossAndDelayOnOneDeviceComposeOnOneAttachment) {
  auto w = world();
  place_running(w, spec("drop", Action::loss), 0, 0);
  auto plan = planner.plan_add(spec("slow", Action::delay), 1, w);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 1u);
  const auto& a = plan->attachments[0];
  EXPECT_FALSE(a.is_new) << "the program already on eth0 egress applies both";
  EXPECT_EQ(a.attach_id, 0u);
  EXPECT_EQ(a.slots_before, std::vector<uint32_t>{0});
  EXPECT_EQ(a.slots_after, (std::vector<uint32_t>{0, 1}));
  EXPECT_TRUE(plan->devices[0].hooked);
}

TEST(FaultPlanner, TwoLossFaultsCompose) {
  auto w = world();
  place_running(w, spec("drop1", Action::loss), 0, 0);
  EXPECT_TRUE(planner.plan_add(spec("drop2", Action::loss), 1, w));
}

TEST(FaultPlanner, TwoDelaysOnOverlappingTrafficConflictNamingTheFirst) {
  auto w = world();
  place_running(w, spec("slow1", Action::delay), 0, 0);
  const std::string before = fingerprint(w);
  auto plan = planner.plan_add(spec("slow2", Action::delay), 1, w);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, EEXIST);
  EXPECT_NE(plan.error().message().find("conflicts with fault 'slow1' on eth0 egress (netns web)"), std::string::npos)
      << plan.error().message();
  EXPECT_EQ(fingerprint(w), before) << "a refused plan leaves the world as it was";
}

// The refusal says why, from the composition table (docs/faults.md).
TEST(FaultPlanner, ARefusedPairGivesTheTablesReason) {
  auto w = world();
  place_running(w, spec("bw1", Action::bandwidth), 0, 0);
  auto plan = planner.plan_add(spec("bw2", Action::bandwidth), 1, w);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, EEXIST);
  EXPECT_NE(plan.error().message().find(conflict_reason(Action::bandwidth, Action::bandwidth)), std::string::npos)
      << plan.error().message();
  place_running(w, spec("cut", Action::partition), 1, 0);
  EXPECT_TRUE(planner.plan_add(spec("cut2", Action::partition), 2, w)) << "partitions compose";
}

TEST(FaultPlanner, DelaysOnDisjointProtocolsCompose) {
  auto w = world();
  auto udp = spec("slow-udp", Action::delay);
  udp.filter.protocol = 17;
  place_running(w, udp, 0, 0);
  auto tcp = spec("slow-tcp", Action::delay);
  tcp.filter.protocol = 6;
  EXPECT_TRUE(planner.plan_add(tcp, 1, w));
}

TEST(FaultPlanner, AFullDeviceHookIsRefused) {
  auto w = world();
  for (uint32_t s = 0; s < SEISMO_FAULTS_PER_ATTACH; ++s)
    place_running(w, spec("drop" + std::to_string(s), Action::loss), s, 0);
  auto plan = planner.plan_add(spec("one-more", Action::loss), SEISMO_FAULTS_PER_ATTACH, w);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ENOSPC);
  EXPECT_NE(plan.error().message().find("the limit per device and direction"), std::string::npos);
}

TEST(FaultPlanner, NoFreeAttachmentIdIsRefused) {
  auto w = world();
  for (uint32_t id = 0; id < SEISMO_FAULT_ATTACH_SLOTS; ++id)
    w.installed.attachments.push_back({id, {1, 1, static_cast<int>(100 + id)}, net::TcHook::egress, false, {}});
  auto plan = planner.plan_add(spec("drop", Action::loss), 0, w);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ENOSPC);
}

TEST(FaultPlanner, ADeviceThatWasNotFoundRefusesWithTheReadersError) {
  auto ep = pod_endpoint();
  ep.device = Result<DeviceFacts>(fail_errno(EINVAL, "target.interface: netns web has 2 devices besides lo"));
  const auto w = world({ep});
  auto plan = planner.plan_add(spec("drop", Action::loss), 0, w);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, EINVAL);
  EXPECT_EQ(plan.error().context.rfind("target.interface:", 0), 0u);
}

TEST(FaultPlanner, NoEndpointIsRefused) {
  auto plan = planner.plan_add(spec("drop", Action::loss), 0, world({}));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ESRCH);
}

TEST(FaultPlanner, EndpointsOnOneDeviceShareOneAttachment) {
  auto plan = planner.plan_add(spec("drop", Action::loss), 0, world({pod_endpoint(), pod_endpoint()}));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->attachments.size(), 1u);
}

TEST(FaultPlanner, ExtendAddsTheRunningFaultsSlotToNewDevices) {
  auto w = world();
  auto pod_fault = spec("drop", Action::loss);
  w.installed.faults.push_back({"drop", 4, pod_fault, {}});
  EndpointFacts other = pod_endpoint();
  other.netns_inode = kPodNetns + 1;
  other.device = DeviceFacts{{kPodNetns + 1, 3, 2}, "eth0", true};
  other.owner = "uid-2";
  other.owner_name = "default/web-2";
  w.endpoints = {other};
  auto plan = planner.plan_extend("drop", w);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_FALSE(plan->new_fault);
  EXPECT_EQ(plan->slot, 4u);
  ASSERT_EQ(plan->attachments.size(), 1u);
  EXPECT_EQ(plan->attachments[0].owner, "uid-2");
  EXPECT_EQ(plan->attachments[0].slots_after, std::vector<uint32_t>{4});
  EXPECT_EQ(planner.plan_extend("nope", w).error().code, ENOENT);
}

TEST(FaultPlanner, ChoosePicksWhatTheModeAsks) {
  std::mt19937_64 rng(7);
  auto s = spec("drop", Action::loss);
  s.mode = SelectMode::fixed;
  s.mode_value = 2;
  EXPECT_EQ(FaultPlanner::choose(s, 5, rng).size(), 2u);
  s.mode = SelectMode::all;
  EXPECT_EQ(FaultPlanner::choose(s, 5, rng).size(), 5u);
}

TEST(FaultPlanner, APlanPrintsWhatItWouldChange) {
  auto plan = planner.plan_add(spec("slow", Action::delay, Direction::both), 3, world());
  ASSERT_TRUE(plan);
  auto j = plan->to_json();
  EXPECT_EQ(j["name"], "slow");
  EXPECT_EQ(j["slot"], 3);
  EXPECT_EQ(j["attachments"].size(), 2u);
  EXPECT_EQ(j["attachments"][1]["hook"], "egress");
  EXPECT_TRUE(j["attachments"][1]["new"].get<bool>());
  EXPECT_TRUE(j.contains("fq"));
}

namespace {

// A hostNetwork pod's cgroup: its processes share the node's netns.
EndpointFacts host_cgroup_endpoint() {
  EndpointFacts ep;
  ep.netns_inode = kHostSideNetns;
  ep.netns_device = 3;
  ep.description = "cgroup /kubepods/pod1 (pid 42)";
  ep.device = host_veth();
  ep.cgroup = CgroupTarget{"/sys/fs/cgroup/unified/kubepods/pod1", "/kubepods/pod1", 777, 2};
  return ep;
}

FaultSpec by_socket(Direction direction) {
  FaultSpec s = spec("pod1-loss", Action::loss, direction);
  s.target.kind = TargetKind::cgroup;
  s.target.cgroup = "/kubepods/pod1";
  s.target.by_socket = true;
  return s;
}

}  // namespace

TEST(FaultPlanner, BySocketOnTheNodesDeviceNeedsNoHostNetwork) {
  FaultSpec s = by_socket(Direction::egress);
  auto w = world({host_cgroup_endpoint()});
  auto plan = planner.plan_add(s, 0, w);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 1u);
  EXPECT_EQ(plan->attachments[0].hook, net::TcHook::egress);
  EXPECT_EQ(plan->attachments[0].cgroup_id, 0u);
  ASSERT_TRUE(plan->cgroup);
  EXPECT_EQ(plan->cgroup->id, 777u);
  EXPECT_EQ(plan->cgroup->level, 2u);
  // Without by: socket the same cgroup on the node's netns is refused.
  s.target.by_socket = false;
  auto refused = planner.plan_add(s, 0, w);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EPERM);
}

TEST(FaultPlanner, BySocketIngressIsACgroupSiteNotATcHook) {
  auto w = world({host_cgroup_endpoint()});
  auto plan = planner.plan_add(by_socket(Direction::both), 0, w);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->attachments.size(), 2u);
  int cgroup_sites = 0;
  for (const auto& a : plan->attachments) {
    if (!a.cgroup_id) {
      EXPECT_EQ(a.hook, net::TcHook::egress) << "ingress by socket never hooks tc ingress";
      continue;
    }
    ++cgroup_sites;
    EXPECT_EQ(a.cgroup_id, 777u);
    EXPECT_EQ(a.cgroup_path, "/sys/fs/cgroup/unified/kubepods/pod1");
    EXPECT_TRUE(a.is_new);
  }
  EXPECT_EQ(cgroup_sites, 1);
  EXPECT_EQ(plan->devices.size(), 1u) << "the cgroup site opens no device";
  EXPECT_NE(plan->attachments[0].attach_id, plan->attachments[1].attach_id);

  // A second fault on the same cgroup shares the cgroup attachment.
  place_running(w, by_socket(Direction::egress), 0, 9);
  w.installed.attachments.push_back({5, DeviceKey{}, net::TcHook::ingress, true, {0}, 777});
  FaultSpec second = by_socket(Direction::ingress);
  second.name = "second";
  auto again = planner.plan_add(second, 1, w);
  ASSERT_TRUE(again) << again.error().message();
  ASSERT_EQ(again->attachments.size(), 1u);
  EXPECT_EQ(again->attachments[0].attach_id, 5u);
  EXPECT_FALSE(again->attachments[0].is_new);
}
