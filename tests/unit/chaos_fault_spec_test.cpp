// Fault spec validation: every bad-input row of the issue is an EINVAL
// naming the field; good specs round-trip through their canonical JSON.
#include <gtest/gtest.h>

#include "chaos/fault_spec.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json good_loss() {
  return {{"name", "web-loss"},
          {"target", {{"netns", "web"}, {"interface", "eth0"}}},
          {"direction", "egress"},
          {"action", "loss"},
          {"loss", {{"percent", 10}, {"correlation", 25}}},
          {"filter", {{"cidrs", {"10.0.0.0/8"}}, {"protocol", "tcp"}, {"ports", {80, "8000-8080"}}}},
          {"duration", "30s"}};
}

json good_delay() {
  return {{"name", "web-delay"},
          {"target", {{"pid", 1234}}},
          {"action", "delay"},
          {"delay", {{"latency", "100ms"}, {"jitter", "10ms"}, {"correlation", 20}}},
          {"duration", "5m"}};
}

// Expects an EINVAL whose message starts with `field`.
void expect_field_error(const json& doc, const std::string& field) {
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
}

json with(json doc, const json::json_pointer& ptr, const json& value) {
  doc[ptr] = value;
  return doc;
}

json without(json doc, const json::json_pointer& ptr) {
  doc[ptr.parent_pointer()].erase(ptr.back());
  return doc;
}

}  // namespace

TEST(FaultSpec, ParsesAGoodLossSpec) {
  auto r = parse_fault_spec(good_loss());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->name, "web-loss");
  EXPECT_EQ(r->target.kind, TargetKind::netns);
  EXPECT_EQ(r->target.netns, "web");
  EXPECT_EQ(r->target.interface, "eth0");
  EXPECT_EQ(r->action, Action::loss);
  EXPECT_DOUBLE_EQ(r->loss.percent, 10);
  EXPECT_DOUBLE_EQ(r->loss.correlation, 25);
  EXPECT_EQ(r->filter.protocol, 6);
  ASSERT_EQ(r->filter.ports.size(), 2u);
  EXPECT_EQ(r->filter.ports[1], (PortRange{8000, 8080}));
  EXPECT_EQ(r->duration_ns, 30'000'000'000ULL);
}

TEST(FaultSpec, ParsesAGoodDelaySpecWithDefaults) {
  auto r = parse_fault_spec(good_delay());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->direction, Direction::egress);
  EXPECT_EQ(r->mode, SelectMode::all);
  EXPECT_EQ(r->delay.latency_ns, 100'000'000ULL);
  EXPECT_EQ(r->delay.jitter_ns, 10'000'000ULL);
  EXPECT_FALSE(r->delay.jitter_reorders);
}

TEST(FaultSpec, CanonicalJsonRoundTrips) {
  for (const auto& doc : {good_loss(), good_delay()}) {
    auto a = parse_fault_spec(doc);
    ASSERT_TRUE(a);
    auto b = parse_fault_spec(to_json(*a));
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(to_json(*a), to_json(*b));
  }
}

TEST(FaultSpec, PercentMayBeAStringWithAPercentSign) {
  auto r = parse_fault_spec(with(good_loss(), "/loss/percent"_json_pointer, "12.5%"));
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->loss.percent, 12.5);
}

TEST(FaultSpec, PercentOutsideZeroToHundredOrNotANumber) {
  expect_field_error(with(good_loss(), "/loss/percent"_json_pointer, 120), "loss.percent");
  expect_field_error(with(good_loss(), "/loss/percent"_json_pointer, -1), "loss.percent");
  expect_field_error(with(good_loss(), "/loss/percent"_json_pointer, "ten"), "loss.percent");
  expect_field_error(with(good_loss(), "/loss/percent"_json_pointer, json::array()), "loss.percent");
  expect_field_error(without(good_loss(), "/loss/percent"_json_pointer), "loss.percent");
  expect_field_error(with(good_loss(), "/loss/correlation"_json_pointer, 100), "loss.correlation");
}

TEST(FaultSpec, DurationMissingZeroNegativeOverMaximumOrWithoutUnit) {
  expect_field_error(without(good_loss(), "/duration"_json_pointer), "duration");
  expect_field_error(with(good_loss(), "/duration"_json_pointer, "0s"), "duration");
  expect_field_error(with(good_loss(), "/duration"_json_pointer, "-5s"), "duration");
  expect_field_error(with(good_loss(), "/duration"_json_pointer, "25h"), "duration");
  expect_field_error(with(good_loss(), "/duration"_json_pointer, 30), "duration");
  expect_field_error(with(good_loss(), "/duration"_json_pointer, "30 parsecs"), "duration");
  EXPECT_TRUE(parse_fault_spec(with(good_loss(), "/duration"_json_pointer, "24h")));
}

TEST(FaultSpec, LatencyNegativeZeroOrBeyondFqHorizon) {
  expect_field_error(with(good_delay(), "/delay/latency"_json_pointer, "-1ms"), "delay.latency");
  expect_field_error(with(good_delay(), "/delay/latency"_json_pointer, "0ms"), "delay.latency");
  expect_field_error(with(good_delay(), "/delay/latency"_json_pointer, "11s"), "delay.latency");
  expect_field_error(without(good_delay(), "/delay/latency"_json_pointer), "delay.latency");
  auto r = parse_fault_spec(with(good_delay(), "/delay/latency"_json_pointer, "11s"));
  EXPECT_NE(r.error().message().find("horizon"), std::string::npos);
}

TEST(FaultSpec, JitterLargerThanLatencyOrPastTheHorizon) {
  expect_field_error(with(good_delay(), "/delay/jitter"_json_pointer, "200ms"), "delay.jitter");
  json far = good_delay();
  far["delay"]["latency"] = "9s";
  far["delay"]["jitter"] = "2s";
  expect_field_error(far, "delay.jitter");
}

TEST(FaultSpec, UnknownDirectionOrAction) {
  expect_field_error(with(good_loss(), "/direction"_json_pointer, "sideways"), "direction");
  expect_field_error(with(good_loss(), "/action"_json_pointer, "teleport"), "action");
  expect_field_error(without(good_loss(), "/action"_json_pointer), "action");
}

TEST(FaultSpec, ParametersMustMatchTheAction) {
  expect_field_error(without(good_loss(), "/loss"_json_pointer), "loss");
  json both = good_loss();
  both["delay"] = {{"latency", "10ms"}};
  expect_field_error(both, "delay");
}

TEST(FaultSpec, MalformedCidrPortOrProtocol) {
  expect_field_error(with(good_loss(), "/filter/cidrs"_json_pointer, {"10.0.0.0/33"}), "filter.cidrs[0]");
  expect_field_error(with(good_loss(), "/filter/cidrs"_json_pointer, {"10.0.0.0/8", "banana"}), "filter.cidrs[1]");
  expect_field_error(with(good_loss(), "/filter/cidrs"_json_pointer, {"fd00::/129"}), "filter.cidrs[0]");
  expect_field_error(with(good_loss(), "/filter/cidrs"_json_pointer, "10.0.0.0/8"), "filter.cidrs");
  expect_field_error(with(good_loss(), "/filter/ports"_json_pointer, {70000}), "filter.ports[0]");
  expect_field_error(with(good_loss(), "/filter/ports"_json_pointer, {0}), "filter.ports[0]");
  expect_field_error(with(good_loss(), "/filter/ports"_json_pointer, {"9000-8000"}), "filter.ports[0]");
  expect_field_error(with(good_loss(), "/filter/ports"_json_pointer, {"http"}), "filter.ports[0]");
  expect_field_error(with(good_loss(), "/filter/protocol"_json_pointer, "sctp"), "filter.protocol");
  json icmp_ports = good_loss();
  icmp_ports["filter"]["protocol"] = "icmp";
  expect_field_error(icmp_ports, "filter.ports");
  // The per-fault peer limit (the fault_peers trie, docs/faults.md): kMaxCidrs pass, one more is refused.
  json cidrs = json::array();
  for (size_t i = 0; i < kMaxCidrs; ++i) cidrs.push_back(std::to_string(1 + i / 256) + ".0." + std::to_string(i % 256) + ".0/24");
  auto at_limit = parse_fault_spec(with(good_loss(), "/filter/cidrs"_json_pointer, cidrs));
  ASSERT_TRUE(at_limit) << at_limit.error().message();
  EXPECT_EQ(at_limit->filter.cidrs.size(), kMaxCidrs);
  cidrs.push_back("fd00::/64");
  expect_field_error(with(good_loss(), "/filter/cidrs"_json_pointer, cidrs), "filter.cidrs");
  EXPECT_EQ(kMaxCidrs, 1024u);
}

TEST(FaultSpec, TargetNeedsExactlyOneKind) {
  expect_field_error(without(good_loss(), "/target"_json_pointer), "target");
  expect_field_error(with(good_loss(), "/target"_json_pointer, json::object()), "target");
  expect_field_error(with(good_loss(), "/target"_json_pointer, {{"netns", "a"}, {"pid", 1}}), "target");
  expect_field_error(with(good_loss(), "/target"_json_pointer, {{"netns", "../etc"}}), "target.netns");
  expect_field_error(with(good_loss(), "/target"_json_pointer, {{"pid", -4}}), "target.pid");
  expect_field_error(with(good_loss(), "/target"_json_pointer, {{"pid", "1"}}), "target.pid");
  expect_field_error(with(good_loss(), "/target"_json_pointer, {{"cgroup", "/a/../b"}}), "target.cgroup");
  expect_field_error(with(good_loss(), "/target/interface"_json_pointer, "a-very-long-interface-name"), "target.interface");
  expect_field_error(with(good_loss(), "/target/podz"_json_pointer, 1), "target.podz");
}

TEST(FaultSpec, UnknownFieldsAreErrorsNotIgnored) {
  expect_field_error(with(good_loss(), "/durration"_json_pointer, "30s"), "durration");
  expect_field_error(with(good_loss(), "/loss/percnt"_json_pointer, 1), "loss.percnt");
  expect_field_error(with(good_loss(), "/filter/port"_json_pointer, {80}), "filter.port");
}

TEST(FaultSpec, NameAndModeRules) {
  expect_field_error(with(good_loss(), "/name"_json_pointer, "Web Loss"), "name");
  expect_field_error(with(good_loss(), "/name"_json_pointer, std::string(64, 'a')), "name");
  expect_field_error(with(good_loss(), "/name"_json_pointer, "-lead"), "name");
  EXPECT_TRUE(parse_fault_spec(without(good_loss(), "/name"_json_pointer)));
  expect_field_error(with(good_loss(), "/mode"_json_pointer, "some"), "mode");
  expect_field_error(with(good_loss(), "/mode"_json_pointer, "fixed"), "value");
  json fixed = with(good_loss(), "/mode"_json_pointer, "fixed");
  expect_field_error(with(fixed, "/value"_json_pointer, 1.5), "value");
  json pct = with(good_loss(), "/mode"_json_pointer, "fixed-percent");
  expect_field_error(with(pct, "/value"_json_pointer, 150), "value");
  EXPECT_TRUE(parse_fault_spec(with(pct, "/value"_json_pointer, "50%")));
  expect_field_error(with(good_loss(), "/value"_json_pointer, 3), "value");
}

// Found by fuzz_endpoint_selection: "nan" passed the (0, 100] check (every
// comparison with NaN is false) and selection_count cast NaN to size_t (UB).
TEST(FaultSpec, ModeValueNotANumberOrInfinite) {
  json pct = with(good_loss(), "/mode"_json_pointer, "fixed-percent");
  json fixed = with(good_loss(), "/mode"_json_pointer, "fixed");
  for (const char* v : {"nan", "nan%", "-nan", "NAN%", "inf", "inf%", "-inf%"}) {
    expect_field_error(with(pct, "/value"_json_pointer, v), "value");
    expect_field_error(with(fixed, "/value"_json_pointer, v), "value");
  }
}

TEST(FaultSpec, NotAnObject) {
  expect_field_error(json::array(), "fault");
  expect_field_error("loss 10%", "fault");
}

TEST(FiltersOverlap, DisjointOnlyByProtocolOrCidr) {
  FilterSpec any;
  FilterSpec tcp;
  tcp.protocol = 6;
  FilterSpec udp;
  udp.protocol = 17;
  EXPECT_TRUE(filters_overlap(any, tcp));
  EXPECT_FALSE(filters_overlap(tcp, udp));
  FilterSpec net10, net10_1, net192;
  net10.cidrs.push_back(*Cidr::parse("10.0.0.0/8", "c"));
  net10_1.cidrs.push_back(*Cidr::parse("10.1.0.0/16", "c"));
  net192.cidrs.push_back(*Cidr::parse("192.168.0.0/16", "c"));
  EXPECT_TRUE(filters_overlap(net10, net10_1));
  EXPECT_FALSE(filters_overlap(net10_1, net192));
  FilterSpec p80, p443;
  p80.ports.push_back({80, 80});
  p443.ports.push_back({443, 443});
  EXPECT_TRUE(filters_overlap(p80, p443)) << "ports match either side, so 80 -> 443 meets both";
}

// Pod selectors (spec key `selector`, Chaos Mesh's meaning).
namespace {

json pod_loss(json selector) {
  return {{"name", "web-loss"},
          {"selector", std::move(selector)},
          {"mode", "one"},
          {"action", "loss"},
          {"loss", {{"percent", 100}}},
          {"duration", "30s"}};
}

}  // namespace

TEST(PodSelectorSpec, ChaosMeshMapForm) {
  auto r = parse_fault_spec(pod_loss({{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}, {"tier", "fe"}}}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.kind, TargetKind::pods);
  EXPECT_EQ(r->target.selector.namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(r->target.selector.label_selector, "app=web,tier=fe");
  EXPECT_EQ(r->mode, SelectMode::one);
}

TEST(PodSelectorSpec, SelectorStringAndPodsMap) {
  auto r = parse_fault_spec(pod_loss({{"labelSelectors", "app in (web,api),!canary"}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.selector.label_selector, "app in (web,api),!canary");
  auto p = parse_fault_spec(pod_loss({{"pods", {{"shop", {"web-1", "web-2"}}}}}));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->target.selector.pods.at("shop").size(), 2u);
}

TEST(PodSelectorSpec, InterfaceMayBeGiven) {
  json doc = pod_loss({{"namespaces", {"shop"}}});
  doc["target"] = {{"interface", "net1"}};
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->target.interface, "net1");
}

TEST(PodSelectorSpec, RoundTrip) {
  json doc = pod_loss({{"namespaces", {"shop", "pay"}}, {"labelSelectors", "app=web"}, {"pods", {{"shop", {"a"}}}}});
  doc["mode"] = "fixed-percent";
  doc["value"] = 50;
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  auto again = parse_fault_spec(to_json(*r));
  ASSERT_TRUE(again) << again.error().message() << " " << to_json(*r).dump();
  EXPECT_EQ(again->target.selector, r->target.selector);
  EXPECT_EQ(again->target.kind, TargetKind::pods);
  EXPECT_FALSE(to_json(*r).contains("target"));
}

TEST(PodSelectorSpec, ErrorsNameTheField) {
  expect_field_error(pod_loss(json::object()), "selector");
  expect_field_error(pod_loss({{"namespaces", "shop"}}), "selector.namespaces");
  expect_field_error(pod_loss({{"namespaces", {"Shop_1"}}}), "selector.namespaces[0]");
  expect_field_error(pod_loss({{"labelSelectors", "app in x"}}), "selector.labelSelectors");
  expect_field_error(pod_loss({{"labelSelectors", {{"app", 3}}}}), "selector.labelSelectors.app");
  expect_field_error(pod_loss({{"labelSelectors", {{"-bad", "x"}}}}), "selector.labelSelectors");
  expect_field_error(pod_loss({{"pods", {{"shop", json::array()}}}}), "selector.pods.shop");
  expect_field_error(pod_loss({{"pods", {{"shop", {"UPPER"}}}}}), "selector.pods.shop[0]");
  expect_field_error(pod_loss({{"podz", {"x"}}}), "selector.podz");
  json both = pod_loss({{"namespaces", {"shop"}}});
  both["target"] = {{"netns", "web"}};
  expect_field_error(both, "target");
  expect_field_error(pod_loss("app=web"), "selector");
}

// A value as deep as a 1 MiB control request allows (450k levels).
// Before: the error message's dump() recursed through every level and
// overflowed the stack.
TEST(FaultSpec, ErrorAboutADeeplyNestedValueDoesNotRecurseThroughIt) {
  json deep = json::array();
  for (int i = 0; i < 450000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  json doc = good_loss();
  doc["target"] = std::move(deep);
  auto r = parse_fault_spec(doc);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("target: must be an object, got [[["), std::string::npos) << r.error().message();
}

// Before: dump() threw json::type_error 316 out of the validator.
TEST(FaultSpec, ErrorAboutBytesThatAreNotUtf8DoesNotThrow) {
  json doc = good_loss();
  doc["loss"]["percent"] = std::string("\xff\xfe%", 3);
  Result<FaultSpec> r = fail_plain("not run");
  EXPECT_NO_THROW(r = parse_fault_spec(doc));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("loss.percent"), std::string::npos) << r.error().message();
}

// fault.rm checks its name with this, the same rule fault.add applies.
TEST(FaultSpec, FaultNameCheckBoundsLengthAndCharacters) {
  EXPECT_TRUE(check_fault_name("web-loss.1_a"));
  auto huge = check_fault_name(std::string(500000, 'z'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, EINVAL);
  EXPECT_EQ(huge.error().message().rfind(fmt::format("name: longer than {} characters", kMaxNameLength), 0), 0u)
      << huge.error().message();
  EXPECT_FALSE(check_fault_name("Web"));
  EXPECT_FALSE(check_fault_name("-web"));
  EXPECT_FALSE(check_fault_name("a/b"));
}

// target.by: socket (docs/faults.md, Faults by cgroup on a shared device).
TEST(FaultSpec, BySocketRoundTripsAndChecksItsCompanions) {
  json doc = with(good_loss(), "/target"_json_pointer, {{"cgroup", "/kubepods/pod1"}, {"by", "socket"}});
  doc["direction"] = "both";
  auto r = parse_fault_spec(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->target.by_socket);
  EXPECT_EQ(to_json(*r)["target"]["by"], "socket");
  auto back = parse_fault_spec(to_json(*r));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->target.by_socket);
  // by: netns is today's meaning, and is not written back.
  auto netns = parse_fault_spec(with(doc, "/target/by"_json_pointer, "netns"));
  ASSERT_TRUE(netns);
  EXPECT_FALSE(netns->target.by_socket);
  EXPECT_FALSE(to_json(*netns)["target"].contains("by"));

  expect_field_error(with(doc, "/target/by"_json_pointer, "pid"), "target.by");
  expect_field_error(with(doc, "/target/by"_json_pointer, 1), "target.by");
  expect_field_error(with(doc, "/target/by"_json_pointer, nullptr), "target.by");
  expect_field_error(with(good_loss(), "/target/by"_json_pointer, "socket"), "target.by");  // netns target
}

TEST(FaultSpec, BySocketRefusesAtIngressWhatACgroupProgramCannotDo) {
  json doc = with(good_delay(), "/target"_json_pointer, {{"cgroup", "/kubepods/pod1"}, {"by", "socket"}});
  doc["direction"] = "egress";
  EXPECT_TRUE(parse_fault_spec(doc)) << "delay at egress runs at tc";
  doc["direction"] = "ingress";
  expect_field_error(doc, "direction");
  doc["direction"] = "both";
  expect_field_error(doc, "direction");
  json loss = with(good_loss(), "/target"_json_pointer, {{"cgroup", "/x"}, {"by", "socket"}});
  loss["direction"] = "ingress";
  EXPECT_TRUE(parse_fault_spec(loss));
}
