// A NetworkFault as engine faults (chaos/network_fault_specs): direction,
// netem split, peers, ports/protocol, named pods, and the errors naming the field.
#include "chaos/network_fault_specs.h"

#include <gtest/gtest.h>

#include <set>

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
  f.spec.delay = crd::DelayFields{100'000'000, 10'000'000, 25, {}};
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

TEST(NetworkFaultSpecs, DelayReorderIsNetemsReorder) {
  auto f = loss_fault();
  f.spec.action = crd::FaultAction::delay;
  f.spec.loss.reset();
  f.spec.delay = crd::DelayFields{10'000'000, 0, 0, crd::ReorderFields{25, 50, 5}};
  auto specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].delay.reorder, (ReorderSpec{25, 50, 5}));
  EXPECT_FALSE((*specs)[0].delay.jitter_reorders);
}

TEST(NetworkFaultSpecs, PartitionIsOnePartitionFaultWithThePeers) {
  auto f = loss_fault();
  f.spec.action = crd::FaultAction::partition;
  f.spec.loss.reset();
  f.spec.direction = crd::TrafficDirection::both;
  f.spec.external_targets = {"10.0.0.0/8"};
  auto p = placed();
  p.peers = {cidr("10.0.0.0/8")};
  auto specs = fault_specs_for(f, p);
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].action, Action::partition);
  EXPECT_EQ((*specs)[0].name, p.base_name);
  EXPECT_EQ((*specs)[0].direction, Direction::both);
  ASSERT_EQ((*specs)[0].filter.cidrs.size(), 1u);
  EXPECT_EQ((*specs)[0].filter.cidrs[0].to_string(), "10.0.0.0/8");
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

TEST(NetworkFaultSpecs, DuplicateCorruptAreOneFaultEachAndRideAlongWithNetem) {
  auto f = loss_fault();
  f.spec.action = crd::FaultAction::duplicate;
  f.spec.loss.reset();
  f.spec.duplicate = crd::DuplicateFields{40, 25};
  auto dup = fault_specs_for(f, placed());
  ASSERT_TRUE(dup) << dup.error().message();
  ASSERT_EQ(dup->size(), 1u);
  EXPECT_EQ((*dup)[0].action, Action::duplicate);
  EXPECT_EQ((*dup)[0].name, placed().base_name);
  EXPECT_DOUBLE_EQ((*dup)[0].duplicate.percent, 40);
  EXPECT_DOUBLE_EQ((*dup)[0].duplicate.correlation, 25);

  f.spec.action = crd::FaultAction::corrupt;
  f.spec.duplicate.reset();
  f.spec.corrupt = crd::CorruptFields{10, 0};
  auto bad = fault_specs_for(f, placed());
  ASSERT_TRUE(bad) << bad.error().message();
  ASSERT_EQ(bad->size(), 1u);
  EXPECT_EQ((*bad)[0].action, Action::corrupt);
  EXPECT_DOUBLE_EQ((*bad)[0].corrupt.percent, 10);

  // netem: loss and delay as before, then one fault per extra block.
  f.spec.action = crd::FaultAction::netem;
  f.spec.loss = crd::LossFields{5, 0};
  f.spec.delay = crd::DelayFields{10'000'000, 0, 0, {}};
  f.spec.duplicate = crd::DuplicateFields{1, 0};
  auto all = fault_specs_for(f, placed());
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[2].name, placed().base_name + "-duplicate");
  EXPECT_EQ((*all)[3].name, placed().base_name + "-corrupt");
  EXPECT_EQ((*all)[3].action, Action::corrupt);
}

// Chaos Mesh's bandwidth example: 100kbps is 100 kilobytes/s (800 kbit/s),
// peakrate 1000000 is bytes/s (8 Mbit/s); a peakrate of 0 is none and takes
// its minburst with it (tbf ignores one without the other).
TEST(NetworkFaultSpecs, BandwidthReadsChaosMeshsUnits) {
  auto f = loss_fault();
  f.spec.action = crd::FaultAction::bandwidth;
  f.spec.loss.reset();
  f.spec.bandwidth = crd::BandwidthFields{"100kbps", 100, 10000, 1000000, 1000000};
  auto specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  const auto& bw = specs->front().bandwidth;
  EXPECT_EQ(specs->front().action, Action::bandwidth);
  EXPECT_EQ(bw.rate_bps, 800'000u);
  EXPECT_EQ(bw.peakrate_bps, 8'000'000u);
  EXPECT_EQ(bw.minburst_bytes, 1'000'000u);
  EXPECT_EQ(bw.limit_bytes, 100u);
  EXPECT_EQ(bw.buffer_bytes, 10'000u);
  f.spec.bandwidth->peakrate = 0;
  specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  EXPECT_EQ(specs->front().bandwidth.peakrate_bps, 0u);
  EXPECT_EQ(specs->front().bandwidth.minburst_bytes, 0u);
  f.spec.bandwidth->rate = "1Mbps";  // ambiguous: refused, naming the field
  specs = fault_specs_for(f, placed());
  ASSERT_FALSE(specs);
  EXPECT_EQ(specs.error().message().rfind("spec.bandwidth", 0), 0u) << specs.error().message();
  EXPECT_NE(specs.error().message().find("bandwidth.rate"), std::string::npos) << specs.error().message();
}

TEST(NetworkFaultSpecs, GuardRidesOnEveryFaultAndIsReadByTheEnginesRules) {
  auto f = loss_fault();
  f.spec.guard = nlohmann::json{{"window", "10s"}, {"tcpRetransmits", 50}, {"dropped", 1000}};
  auto specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].guard.window_ns, 10'000'000'000ULL);
  EXPECT_EQ((*specs)[0].guard.limits,
            (std::vector<GuardLimit>{{GuardBudget::dropped, 1000}, {GuardBudget::tcp_retransmits, 50}}));
  // netem: both parts carry the TCP budget; `dropped` does not fit the delay part, named.
  f.spec.action = crd::FaultAction::netem;
  f.spec.delay = crd::DelayFields{10'000'000, 0, 0, std::nullopt};
  f.spec.guard = nlohmann::json{{"tcpResets", 5}};
  specs = fault_specs_for(f, placed());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 2u);
  for (const auto& s : *specs) EXPECT_EQ(s.guard.limits, (std::vector<GuardLimit>{{GuardBudget::tcp_resets, 5}}));
  f.spec.guard = nlohmann::json{{"dropped", 5}};
  specs = fault_specs_for(f, placed());
  ASSERT_FALSE(specs);
  EXPECT_EQ(specs.error().message().rfind("spec.guard.dropped:", 0), 0u) << specs.error().message();
}

TEST(NetworkFaultSpecs, HostileGuardValuesAreRefusedNamingTheField) {
  auto f = loss_fault();
  for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json(0), nlohmann::json(2.5), nlohmann::json("x")}) {
    f.spec.guard = nlohmann::json{{"tcpResets", bad}};
    auto specs = fault_specs_for(f, placed());
    ASSERT_FALSE(specs) << bad.dump();
    EXPECT_EQ(specs.error().message().rfind("spec.guard.tcpResets:", 0), 0u) << specs.error().message();
  }
  f.spec.guard = nlohmann::json{{"window", "1ms"}, {"tcpResets", 5}};
  auto specs = fault_specs_for(f, placed());
  ASSERT_FALSE(specs);
  EXPECT_EQ(specs.error().message().rfind("spec.guard.window:", 0), 0u) << specs.error().message();
}

TEST(NetworkFaultSpecs, TheResourcesGuardKeysAreTheEnginesBudgetKeys) {
  std::set<std::string> engine = {"window"};
  for (GuardBudget b : kAllGuardBudgets) engine.insert(guard_budget_key(b));
  const auto& crd_names = crd::guard_field_names();
  EXPECT_EQ(std::set<std::string>(crd_names.begin(), crd_names.end()), engine);
}
