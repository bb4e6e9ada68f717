// The NetworkFault resource read and written back (crd/network_fault.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crd/network_fault.h"

using namespace seismo;
using namespace seismo::crd;
using nlohmann::json;

namespace {

// The contract's example (/work/wt/cluster-contract.md), from the API server.
json example() {
  return json::parse(R"({
    "apiVersion": "seismo.dev/v1alpha1", "kind": "NetworkFault",
    "metadata": {"name": "web-loss", "namespace": "shop", "uid": "4b1c-uid", "resourceVersion": "17",
                 "generation": 2, "creationTimestamp": "2026-11-29T04:00:00Z",
                 "annotations": {"seismo.dev/paused": "false"}, "managedFields": []},
    "spec": {
      "action": "netem", "mode": "fixed", "value": "2",
      "selector": {"namespaces": ["shop"], "labelSelectors": {"app": "web"},
                   "expressionSelectors": [{"key": "tier", "operator": "In", "values": ["front", "edge"]},
                                           {"key": "canary", "operator": "DoesNotExist"}]},
      "direction": "to",
      "target": {"mode": "all", "selector": {"namespaces": ["shop"], "labelSelectors": {"app": "db"}}},
      "externalTargets": ["10.0.0.0/8", "192.0.2.1"],
      "loss": {"loss": "30", "correlation": "0"},
      "delay": {"latency": "100ms", "jitter": "10ms", "correlation": "25"},
      "duration": "5m", "ports": ["80", "8000-8080"], "protocol": "tcp", "seed": 42
    },
    "status": {"nodes": []}
  })");
}

// Sets `path` ("spec.delay.latency") in a copy of `doc` to `value`; a null
// value removes the key.
json with(json doc, const std::string& path, json value) {
  json* at = &doc;
  std::string rest = path;
  for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
    at = &(*at)[rest.substr(0, dot)];
  if (value.is_null())
    at->erase(rest);
  else
    (*at)[rest] = std::move(value);
  return doc;
}

// The error for `doc`, which must be refused with EINVAL.
std::string refusal(const json& doc, bool require_identity = true) {
  auto r = parse_network_fault(doc, require_identity);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, EINVAL) << r.error().message();
  return r.error().context;
}

}  // namespace

TEST(NetworkFault, ReadsTheContractExample) {
  auto f = parse_network_fault(example(), true);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->name, "web-loss");
  EXPECT_EQ(f->namespace_name, "shop");
  EXPECT_EQ(f->uid, "4b1c-uid");
  EXPECT_EQ(f->resource_version, "17");
  EXPECT_EQ(f->generation, 2);
  EXPECT_EQ(f->created_unix, 1795924800);  // date -d 2026-11-29T04:00:00Z +%s
  EXPECT_FALSE(f->paused);
  const auto& s = f->spec;
  EXPECT_EQ(s.action, FaultAction::netem);
  EXPECT_EQ(s.mode, pods::PickMode::fixed);
  EXPECT_EQ(s.value, "2");
  EXPECT_EQ(s.selector.namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(s.selector.label_selectors.at("app"), "web");
  ASSERT_EQ(s.selector.expression_selectors.requirements().size(), 2u);
  EXPECT_EQ(s.selector.expression_selectors.requirements()[0].op, pods::LabelSelector::Op::in);
  EXPECT_EQ(s.selector.expression_selectors.requirements()[1].op, pods::LabelSelector::Op::not_exists);
  EXPECT_EQ(s.direction, TrafficDirection::to);
  ASSERT_TRUE(s.target);
  EXPECT_EQ(s.target->mode, pods::PickMode::all);
  EXPECT_EQ(s.target->selector.label_selectors.at("app"), "db");
  EXPECT_EQ(s.external_targets, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.1"}));
  ASSERT_TRUE(s.loss);
  EXPECT_DOUBLE_EQ(s.loss->loss, 30);
  ASSERT_TRUE(s.delay);
  EXPECT_EQ(s.delay->latency_ns, 100'000'000u);
  EXPECT_EQ(s.delay->jitter_ns, 10'000'000u);
  EXPECT_DOUBLE_EQ(s.delay->correlation, 25);
  EXPECT_EQ(s.duration_ns, 300'000'000'000u);
  EXPECT_EQ(s.ports, (std::vector<PortRangeField>{{80, 80}, {8000, 8080}}));
  EXPECT_EQ(s.protocol, "tcp");
  ASSERT_TRUE(s.seed);
  EXPECT_EQ(*s.seed, 42u);
  EXPECT_EQ(f->ranking_key(), "42");
}

TEST(NetworkFault, RankingKeyIsTheUidWithoutASeed) {
  auto f = parse_network_fault(with(example(), "spec.seed", nullptr), true);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->ranking_key(), "4b1c-uid");
}

TEST(NetworkFault, PauseAnnotation) {
  auto f = parse_network_fault(with(example(), "metadata.annotations", {{kPauseAnnotation, "true"}}), true);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->paused);
  f = parse_network_fault(with(example(), "metadata.annotations", {{kPauseAnnotation, "yes"}}), true);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->paused);
}

// Chaos Mesh writes percents and values as strings; YAML without quotes gives numbers.
TEST(NetworkFault, NumbersAcceptedWhereChaosMeshWritesStrings) {
  json doc = with(example(), "spec.value", 2);
  doc = with(doc, "spec.loss", {{"loss", 12.5}, {"correlation", 0}});
  doc = with(doc, "spec.ports", {443, "8000-8080"});
  doc = with(doc, "spec.seed", "18446744073709551615");
  auto f = parse_network_fault(doc, true);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->spec.value, "2");
  EXPECT_DOUBLE_EQ(f->spec.loss->loss, 12.5);
  EXPECT_EQ(f->spec.ports[0], (PortRangeField{443, 443}));
  EXPECT_EQ(*f->spec.seed, 18446744073709551615u);
}

TEST(NetworkFault, RoundTripThroughSpecToJson) {
  for (json doc : {example(), with(with(example(), "spec.seed", "18446744073709551615"), "spec.target", nullptr),
                   with(with(example(), "spec.action", "loss"), "spec.delay", nullptr),
                   with(example(), "spec.delay.reorder", {{"reorder", "25"}, {"correlation", "50"}, {"gap", 5}}),
                   with(with(with(example(), "spec.action", "partition"), "spec.delay", nullptr), "spec.loss",
                        nullptr)}) {
    auto first = parse_network_fault(doc, true);
    ASSERT_TRUE(first) << first.error().message();
    json again = doc;
    again["spec"] = spec_to_json(first->spec);
    auto second = parse_network_fault(again, true);
    ASSERT_TRUE(second) << second.error().message() << "\n" << again.dump();
    EXPECT_EQ(spec_to_json(second->spec), spec_to_json(first->spec));
    EXPECT_EQ(second->spec.selector, first->spec.selector);
    EXPECT_EQ(second->spec.seed, first->spec.seed);
    EXPECT_EQ(second->spec.duration_ns, first->spec.duration_ns);
    EXPECT_EQ(second->spec.ports, first->spec.ports);
  }
}

// A selector naming neither namespaces nor pods stays in the object's
// namespace, as Chaos Mesh's webhook defaults it; a user's document without
// a namespace is in "default".
TEST(NetworkFault, SelectorDefaultsToTheObjectNamespace) {
  json doc = with(example(), "spec.selector", {{"labelSelectors", {{"app", "web"}}}});
  doc = with(doc, "spec.target", {{"mode", "all"}, {"selector", {{"labelSelectors", {{"app", "db"}}}}}});
  auto f = parse_network_fault(doc, true);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->spec.selector.namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(f->spec.target->selector.namespaces, std::vector<std::string>{"shop"});
  doc = with(with(doc, "metadata", {{"name", "x"}}), "spec.selector", {{"pods", {{"web", {"a"}}}}});
  f = parse_network_fault(doc, false);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->namespace_name, "default");
  EXPECT_TRUE(f->spec.selector.namespaces.empty()) << "pods name their namespaces";
  EXPECT_EQ(f->spec.target->selector.namespaces, std::vector<std::string>{"default"});
}

TEST(NetworkFault, IdentityRequiredOnlyFromTheApiServer) {
  json doc = example();
  doc["metadata"] = {{"name", "mine"}};
  EXPECT_TRUE(parse_network_fault(doc, false));
  EXPECT_EQ(refusal(doc, true), "metadata.namespace: required");
  doc["metadata"]["namespace"] = "shop";
  EXPECT_EQ(refusal(doc, true), "metadata.uid: required");
}

// Every refusal names the field it is about.
TEST(NetworkFault, EveryBadFieldNamed) {
  const json e = example();
  json too_many_targets = json::array();  // one over the engine's per-fault peer limit
  for (int i = 0; i < 1025; ++i) too_many_targets.push_back(fmt::format("10.{}.{}.1", i / 256, i % 256));
  struct Case {
    json doc;
    std::string starts;
  };
  const std::vector<Case> cases = {
      {with(e, "apiVersion", "chaos-mesh.org/v1alpha1"), "apiVersion: must be seismo.dev/v1alpha1"},
      {with(e, "kind", "NetworkChaos"), "kind: must be NetworkFault"},
      {with(e, "extra", 1), "extra: unknown field"},
      {with(e, "metadata.name", nullptr), "metadata.name: required"},
      {with(e, "metadata.name", 5), "metadata.name: must be a string"},
      {with(e, "metadata.creationTimestamp", "yesterday"), "metadata.creationTimestamp: 'yesterday' is not"},
      {with(e, "metadata.name", "Web_1"), "metadata.name: 'Web_1' is not a DNS subdomain"},
      {with(e, "metadata.namespace", "Shop"), "metadata.namespace: 'Shop' is not a namespace name"},
      {with(e, "metadata.labels", {{"app", 1}}), "metadata.labels.app: must be a string"},
      {with(e, "metadata.annotations", "paused"), "metadata.annotations: must be a map of strings"},
      {with(e, "spec", "x"), "spec: must be an object"},
      {with(e, "spec.action", "blackhole"), "spec.action: 'blackhole' is not one of loss, delay, netem, bandwidth, duplicate, corrupt, partition"},
      {with(e, "spec.action", "partition"), "spec.loss: given with action 'partition', which has no parameters"},
      {with(with(e, "spec.action", "partition"), "spec.loss", nullptr), "spec.delay: given with action 'partition'"},
      {with(e, "spec.delay.reorder", "yes"), "spec.delay.reorder: must be an object {reorder, correlation, gap}"},
      {with(e, "spec.delay.reorder", json::object()), "spec.delay.reorder.reorder: required"},
      {with(e, "spec.delay.reorder", {{"reorder", "150"}}), "spec.delay.reorder.reorder: 150 is out of range"},
      {with(e, "spec.delay.reorder", {{"reorder", "10"}, {"correlation", "100"}}), "spec.delay.reorder.correlation"},
      {with(e, "spec.delay.reorder", {{"reorder", "10"}, {"gap", "5"}}), "spec.delay.reorder.gap: must be a whole"},
      {with(e, "spec.delay.reorder", {{"reorder", "10"}, {"gap", 2000000}}), "spec.delay.reorder.gap: must be"},
      {with(e, "spec.delay.reorder", {{"reorder", "10"}, {"gpa", 5}}), "spec.delay.reorder.gpa: unknown field"},
      {with(e, "spec.bandwidth", {{"rate", "1mbps"}, {"limit", 1}, {"buffer", 1}}), "spec.bandwidth: given with action"},
      {with(e, "spec.bandwidth", {{"rate", "1mbps"}}), "spec.bandwidth.limit: required"},
      {with(e, "spec.bandwidth", {{"rate", 5}, {"limit", 1}, {"buffer", 1}}), "spec.bandwidth.rate: must be a string"},
      {with(e, "spec.action", nullptr), "spec.action: required"},
      {with(e, "spec.mode", "most"), "spec.mode: 'most' is not one of"},
      {with(e, "spec.mode", nullptr), "spec.mode: required"},
      {with(e, "spec.value", "two"), "spec.value: 'two' is not a pod count"},
      {with(e, "spec.value", "0"), "spec.value: '0' is not a pod count"},
      {with(e, "spec.value", nullptr), "spec.value: mode 'fixed' needs a value"},
      {with(with(e, "spec.mode", "fixed-percent"), "spec.value", "101"), "spec.value: '101' is not a percent"},
      {with(with(e, "spec.mode", "all"), "spec.value", "3"), "spec.value: mode 'all' takes no value"},
      {with(e, "spec.selector", nullptr), "spec.selector: required"},
      {with(e, "spec.selector.fieldSelectors", {{"a", "b"}}), "spec.selector.fieldSelectors: not supported"},
      {with(e, "spec.selector.namespaces", {"Shop"}), "spec.selector.namespaces[0]: 'Shop' is not a namespace name"},
      {with(e, "spec.selector.expressionSelectors", {{{"key", "a"}, {"operator", "Like"}}}),
       "spec.selector.expressionSelectors[0].operator: 'Like' is not one of In, NotIn, Exists, DoesNotExist"},
      {with(e, "spec.selector.expressionSelectors", {{{"key", "a"}, {"operator", "In"}}}),
       "spec.selector.expressionSelectors[0]: label key 'a': In and NotIn need values"},
      {with(e, "spec.selector.podPhaseSelectors", {"Sleeping"}), "spec.selector.podPhaseSelectors[0]: 'Sleeping'"},
      {with(e, "spec.direction", "sideways"), "spec.direction: 'sideways' is not one of to, from, both"},
      {with(e, "spec.target.mode", nullptr), "spec.target.mode: required"},
      {with(e, "spec.target.selector", nullptr), "spec.target.selector: required"},
      {with(e, "spec.target.device", "eth1"), "spec.target.device: unknown field"},
      {with(e, "spec.externalTargets", {"www.example.com"}),
       "spec.externalTargets[0]: 'www.example.com' is a domain name"},
      {with(e, "spec.externalTargets", {"1.1.1.1:80"}), "spec.externalTargets[0]: '1.1.1.1:80' carries a port"},
      {with(e, "spec.externalTargets", {"10.0.0.0/33"}), "spec.externalTargets[0]: '10.0.0.0/33' is not an IP"},
      {with(e, "spec.externalTargets", too_many_targets), "spec.externalTargets: 1025 entries, at most 1024"},
      {with(e, "spec.delay.latency", "10 parsecs"), "spec.delay.latency: '10 parsecs'"},
      {with(e, "spec.delay.latency", "11s"), "spec.delay.latency: '11s' is longer than 10s"},
      {with(e, "spec.delay.latency", nullptr), "spec.delay.latency: required"},
      {with(e, "spec.delay.jitter", "200ms"), "spec.delay.jitter: 200ms is more than the latency 100ms"},
      {with(with(e, "spec.delay.latency", "6s"), "spec.delay.jitter", "5s"), "spec.delay.jitter: latency + jitter"},
      {with(e, "spec.delay.correlation", "100"), "spec.delay.correlation: 100 is out of range"},
      // reorder is a field now (netem's reorder, issue 15); a misspelt one is still named.
      {with(e, "spec.delay.reordr", {{"reorder", "1"}}), "spec.delay.reordr: unknown field"},
      {with(e, "spec.loss.loss", "101"), "spec.loss.loss: 101 is out of range (0 to 100)"},
      {with(e, "spec.loss.loss", "-1"), "spec.loss.loss: -1 is out of range"},
      {with(e, "spec.loss.loss", "lots"), "spec.loss.loss: 'lots' is not a percent"},
      {with(e, "spec.loss.loss", true), "spec.loss.loss: must be a percent"},
      {with(e, "spec.loss.loss", nullptr), "spec.loss.loss: required"},
      {with(e, "spec.loss.correlation", "-3"), "spec.loss.correlation: -3 is out of range"},
      {with(e, "spec.duration", nullptr), "spec.duration: required"},
      {with(e, "spec.duration", "0s"), "spec.duration: '0s' must be longer than zero"},
      {with(e, "spec.duration", "25h"), "spec.duration: '25h' is longer than 24h"},
      {with(e, "spec.duration", 300), "spec.duration: must be a string"},
      {with(e, "spec.ports", {"0"}), "spec.ports[0]: '0' is not a port"},
      {with(e, "spec.ports", {"90-80"}), "spec.ports[0]: '90-80': the range ends before it starts"},
      {with(e, "spec.ports", {70000}), "spec.ports[0]: 70000 is not a port"},
      // json::array, not {json(x)}: a one-element brace list is the element itself
      // under CWG 2137 (clang), a list under GCC.
      {with(e, "spec.ports", json::array({json(uint64_t{18446744073709551615u})})),
       "spec.ports[0]: 18446744073709551615 is not a port"},
      {with(e, "spec.value", json(uint64_t{18446744073709551615u})),
       "spec.value: '18446744073709551615' is not a pod count"},
      {with(e, "spec.ports", {"1", "2", "3", "4", "5"}), "spec.ports: 5 entries, at most 4"},
      {with(e, "spec.protocol", "sctp"), "spec.protocol: 'sctp' is not one of tcp, udp, icmp"},
      {with(e, "spec.protocol", "icmp"), "spec.ports: ICMP has no ports"},
      {with(e, "spec.seed", -1), "spec.seed: must not be negative"},
      {with(e, "spec.seed", 1.5), "spec.seed: must be an unsigned 64-bit integer"},
      {with(e, "spec.seed", "18446744073709551616"), "spec.seed: '18446744073709551616' is not"},
      {with(with(e, "spec.action", "loss"), "spec.loss", nullptr), "spec.loss: required for action 'loss'"},
      {with(e, "spec.action", "loss"), "spec.delay: given with action 'loss'"},
      {with(with(e, "spec.action", "delay"), "spec.delay", nullptr), "spec.delay: required for action 'delay'"},
      {with(e, "spec.action", "delay"), "spec.loss: given with action 'delay'"},
      {with(with(e, "spec.loss", nullptr), "spec.delay", nullptr), "spec: action 'netem' needs delay, loss or both"},
  };
  for (const auto& c : cases) {
    std::string got = refusal(c.doc);
    EXPECT_EQ(got.rfind(c.starts, 0), 0u) << "want: " << c.starts << "\n got: " << got;
  }
}

TEST(NetworkFault, SpecFieldNamesAreWhatSpecToJsonWrites) {
  // Every field given: netem may carry duplicate and corrupt as well.
  json all = with(with(with(example(), "spec.duplicate", {{"duplicate", "5"}}), "spec.corrupt", {{"corrupt", "5"}}),
                  "spec.guard", {{"tcpResets", 5}});
  auto f = parse_network_fault(all, true);
  ASSERT_TRUE(f);
  std::vector<std::string> written;
  const json spec = spec_to_json(f->spec);  // items() refers to it: not a temporary
  for (const auto& [key, value] : spec.items()) written.push_back(key);
  // bandwidth's own field (the example is a netem fault, which cannot take it).
  auto bw = f->spec;
  bw.action = FaultAction::bandwidth;
  bw.loss.reset();
  bw.delay.reset();
  bw.bandwidth = BandwidthFields{"10mbit", 1, 1, std::nullopt, std::nullopt};
  const json bw_spec = spec_to_json(bw);
  for (const auto& [key, value] : bw_spec.items())
    if (!spec.contains(key)) written.push_back(key);
  std::vector<std::string> names(spec_field_names().begin(), spec_field_names().end());
  std::sort(written.begin(), written.end());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(written, names);
}
