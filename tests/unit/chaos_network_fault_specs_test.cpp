// A NetworkFault as engine faults (chaos/network_fault_specs): direction,
// netem split, peers, ports/protocol, named pods, and the errors naming the field.
#include "chaos/network_fault_specs.h"

#include <gtest/gtest.h>

using namespace seismo;
using namespace seismo::chaos;

namespace {

crd::NetworkFault loss_fault() {
  crd::NetworkFault f;
  f.uid = "11111111-2222-3333-4444-555555555555";
  f.namespace_name = "shop";
  f.name = "web-loss";
  f.spec.action = crd::FaultAction::loss;
  f.spec.mode = pods::PickMode::fixed;
  f.spec.value = "2";
  f.spec.selector.namespaces = {"shop"};
  f.spec.selector.label_selectors = {{"app", "web"}};
  f.spec.loss = crd::LossFields{30, 10};
  f.spec.duration_ns = 300'000'000'000;
  return f;
}

NetworkFaultPlacement placed() {
  NetworkFaultPlacement p;
  p.base_name = "nf-11111111-2222-3333-4444-555555555555";
  p.pods = {{"shop", {"web-1", "web-2"}}};
  p.duration_ns = 120'000'000'000;
  return p;
}

Cidr cidr(const char* text) { return *Cidr::parse(text, "test"); }

}  // namespace

TEST(NetworkFaultSpecs, LossIsOneFaultOnTheNamedPodsEth0WithTheRemainingDuration) {
  auto specs = fault_specs_for(loss_fault(), placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  const auto& s = (*specs)[0];
  EXPECT_EQ(s.name, "nf-11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(s.target.kind, TargetKind::pods);
  EXPECT_EQ(s.target.interface, "eth0");
  EXPECT_EQ(s.target.selector.pods, placed().pods);
  EXPECT_EQ(s.mode, SelectMode::all);  // the ranking already chose the pods
  EXPECT_EQ(s.direction, Direction::egress);
  EXPECT_EQ(s.action, Action::loss);
  EXPECT_DOUBLE_EQ(s.loss.percent, 30);
  EXPECT_DOUBLE_EQ(s.loss.correlation, 10);
  EXPECT_EQ(s.duration_ns, 120'000'000'000u);
  EXPECT_TRUE(s.filter.cidrs.empty());
  EXPECT_EQ(s.filter.protocol, 0);
}

TEST(NetworkFaultSpecs, DirectionMapsToEgressIngressBoth) {
  auto f = loss_fault();
  std::pair<crd::TrafficDirection, Direction> cases[] = {{crd::TrafficDirection::to, Direction::egress},
                                                         {crd::TrafficDirection::from, Direction::ingress},
                                                         {crd::TrafficDirection::both, Direction::both}};
  for (auto [in, out] : cases) {
    f.spec.direction = in;
    auto specs = fault_specs_for(f, placed());
    ASSERT_TRUE(specs) << specs.error().message();
    EXPECT_EQ((*specs)[0].direction, out);
  }
}

TEST(NetworkFaultSpecs, NetemIsALossAndADelayFaultNamedAfterTheBase) {
  auto f = loss_fault();
  f.spec.action = crd::FaultAction::netem;
  f.spec.delay = crd::DelayFields{100'000'000, 10'000'000, 25};
  auto specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].name, placed().base_name + "-loss");
  EXPECT_EQ((*specs)[0].action, Action::loss);
  EXPECT_EQ((*specs)[1].name, placed().base_name + "-delay");
  EXPECT_EQ((*specs)[1].action, Action::delay);
  EXPECT_EQ((*specs)[1].delay.latency_ns, 100'000'000u);
  EXPECT_EQ((*specs)[1].delay.jitter_ns, 10'000'000u);
  EXPECT_DOUBLE_EQ((*specs)[1].delay.correlation, 25);
  f.spec.delay.reset();
  auto missing = fault_specs_for(f, placed());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("spec.delay"), std::string::npos) << missing.error().message();
}

TEST(NetworkFaultSpecs, PeersPortsAndProtocolBecomeTheFilter) {
  auto f = loss_fault();
  f.spec.external_targets = {"10.0.0.0/8"};
  f.spec.ports = {{80, 80}, {8000, 8080}};
  f.spec.protocol = "udp";
  auto p = placed();
  p.peers = {cidr("10.0.0.0/8"), cidr("fd00::1")};
  auto specs = fault_specs_for(f, p);
  ASSERT_TRUE(specs) << specs.error().message();
  const auto& filter = (*specs)[0].filter;
  EXPECT_EQ(filter.cidrs, p.peers);
  EXPECT_EQ(filter.protocol, 17);
  ASSERT_EQ(filter.ports.size(), 2u);
  EXPECT_EQ(filter.ports[1], (PortRange{8000, 8080}));
  f.spec.protocol = "sctp";
  auto bad = fault_specs_for(f, p);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("spec.protocol"), std::string::npos);
}

TEST(NetworkFaultSpecs, TooManyPeersIsAnErrorNamingWhereTheyCameFrom) {
  auto f = loss_fault();
  f.spec.target = crd::PodTarget{};
  auto p = placed();
  for (size_t i = 0; i <= kMaxCidrs; ++i) p.peers.push_back(cidr(fmt::format("10.0.{}.{}", i / 256, i % 256).c_str()));
  auto specs = fault_specs_for(f, p);
  ASSERT_FALSE(specs);
  EXPECT_EQ(specs.error().code, EINVAL);
  EXPECT_NE(specs.error().message().find("spec.target:"), std::string::npos) << specs.error().message();
  EXPECT_NE(specs.error().message().find(fmt::format("at most {}", kMaxCidrs)), std::string::npos);
  f.spec.external_targets = {"10.0.0.0/8"};
  specs = fault_specs_for(f, p);
  ASSERT_FALSE(specs);
  EXPECT_NE(specs.error().message().find("spec.target/externalTargets"), std::string::npos);
}

TEST(NetworkFaultSpecs, ATargetWithNoKnownIpInstallsNothingRatherThanHitEveryPeer) {
  auto f = loss_fault();
  f.spec.target = crd::PodTarget{};
  auto specs = fault_specs_for(f, placed());
  ASSERT_FALSE(specs);
  EXPECT_NE(specs.error().message().find("spec.target: no peer address"), std::string::npos)
      << specs.error().message();
}

TEST(NetworkFaultSpecs, TheEngineValidationStillApplies) {
  auto f = loss_fault();
  f.spec.loss->loss = 150;
  auto specs = fault_specs_for(f, placed());
  ASSERT_FALSE(specs);
  EXPECT_NE(specs.error().message().find("spec.loss"), std::string::npos) << specs.error().message();
  auto p = placed();
  p.base_name = "NF bad name";
  EXPECT_FALSE(fault_specs_for(loss_fault(), p));
  p = placed();
  p.duration_ns = 0;
  f = loss_fault();
  f.spec.duration_ns = 0;
  auto expired = fault_specs_for(f, p);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message().find("spec.duration"), std::string::npos);
}

TEST(NetworkFaultSpecs, LocalApplyWithoutNamedPodsUsesTheSelectorAndModeOrNamesWhatItCannotExpress) {
  auto p = placed();
  p.pods.clear();
  auto specs = fault_specs_for(loss_fault(), p);
  ASSERT_TRUE(specs) << specs.error().message();
  const auto& s = (*specs)[0];
  EXPECT_EQ(s.target.selector.namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(s.target.selector.label_selector, "app=web");
  EXPECT_EQ(s.mode, SelectMode::fixed);
  EXPECT_DOUBLE_EQ(s.mode_value, 2);
  auto f = loss_fault();
  f.spec.selector.phases = {"Running"};
  auto refused = fault_specs_for(f, p);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("spec.selector.podPhaseSelectors"), std::string::npos);
  f = loss_fault();
  f.spec.mode = pods::PickMode::random_max_percent;
  refused = fault_specs_for(f, p);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("spec.mode"), std::string::npos);
}
