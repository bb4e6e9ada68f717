// manifests/networkfault-crd.yaml against the parser (crd/network_fault.cpp):
// what the API server validates and what seismod reads must be the same
// fields, enums and required keys, or a user meets one refusal at apply time
// and another on every node.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>
#include <string>

#include "crd/network_fault.h"
#include "crd/spec_values.h"

#ifndef SEISMO_CRD_MANIFEST
#error "SEISMO_CRD_MANIFEST must be defined"
#endif

using namespace seismo;
using namespace seismo::crd;
using nlohmann::json;

namespace {

class CrdSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    crd_ = YAML::LoadFile(SEISMO_CRD_MANIFEST);
    version_ = crd_["spec"]["versions"][0];
    spec_ = version_["schema"]["openAPIV3Schema"]["properties"]["spec"];
    ASSERT_TRUE(spec_.IsMap());
  }
  static std::set<std::string> keys(const YAML::Node& map) {
    std::set<std::string> out;
    for (const auto& kv : map) out.insert(kv.first.as<std::string>());
    return out;
  }
  static std::set<std::string> strings(const YAML::Node& list) {
    std::set<std::string> out;
    for (const auto& v : list) out.insert(v.as<std::string>());
    return out;
  }
  static std::set<std::string> json_keys(const json& object) {
    std::set<std::string> out;
    for (const auto& [key, value] : object.items()) out.insert(key);
    return out;
  }
  // A spec the parser takes with every field given.
  static json full_spec() {
    return json::parse(R"({"action":"netem","mode":"fixed","value":"1",
      "selector":{"namespaces":["a"],"labelSelectors":{"k":"v"},"expressionSelectors":[{"key":"k","operator":"Exists"}],
                  "annotationSelectors":{"k":"v"},"podPhaseSelectors":["Running"],"nodes":["n"],
                  "nodeSelectors":{"k":"v"},"pods":{"a":["p"]}},
      "direction":"both","target":{"mode":"one","selector":{"namespaces":["b"]}},"externalTargets":["10.0.0.0/8"],
      "delay":{"latency":"1ms","jitter":"1ms","correlation":"1","reorder":{"reorder":"1","correlation":"1","gap":2}},"loss":{"loss":"1","correlation":"1"},
      "duplicate":{"duplicate":"1","correlation":"1"},"corrupt":{"corrupt":"1","correlation":"1"},
      "duration":"1m","ports":["80"],"protocol":"udp","seed":1,"guard":{"window":"10s","tcpRetransmits":50}})");
  }
  // The fields action netem cannot take (one action's own parameters).
  static json bandwidth_spec() {
    json s = full_spec();
    s["action"] = "bandwidth";
    s.erase("delay");
    s.erase("loss");
    s.erase("duplicate");
    s.erase("corrupt");
    s["bandwidth"] = {{"rate", "1mbit"}, {"limit", 1}, {"buffer", 1}, {"peakrate", 1}, {"minburst", 1}};
    return s;
  }
  static Result<NetworkFault> parse_spec(const json& spec) {
    return parse_network_fault(
        {{"apiVersion", kApiVersion}, {"kind", kKind}, {"metadata", {{"name", "x"}}}, {"spec", spec}}, false);
  }

  YAML::Node crd_, version_, spec_;
};

}  // namespace

TEST_F(CrdSchema, NamesTheResourceTheCodeUses) {
  EXPECT_EQ(crd_["apiVersion"].as<std::string>(), "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd_["metadata"]["name"].as<std::string>(), std::string(kPlural) + "." + kGroup);
  EXPECT_EQ(crd_["spec"]["group"].as<std::string>(), kGroup);
  EXPECT_EQ(crd_["spec"]["names"]["kind"].as<std::string>(), kKind);
  EXPECT_EQ(crd_["spec"]["names"]["plural"].as<std::string>(), kPlural);
  EXPECT_EQ(crd_["spec"]["scope"].as<std::string>(), "Namespaced");
  EXPECT_EQ(version_["name"].as<std::string>(), kVersion);
  EXPECT_TRUE(version_["storage"].as<bool>());
  EXPECT_TRUE(version_["subresources"]["status"].IsMap());
}

TEST_F(CrdSchema, SpecPropertiesAreThoseTheParserReads) {
  std::set<std::string> parser(spec_field_names().begin(), spec_field_names().end());
  EXPECT_EQ(keys(spec_["properties"]), parser);
  auto parsed = parse_spec(full_spec());
  ASSERT_TRUE(parsed) << parsed.error().message();
  auto bw = parse_spec(bandwidth_spec());
  ASSERT_TRUE(bw) << bw.error().message();
  std::set<std::string> written = json_keys(spec_to_json(parsed->spec));
  written.merge(json_keys(spec_to_json(bw->spec)));
  EXPECT_EQ(written, parser);
  EXPECT_EQ(json_keys(spec_to_json(bw->spec)["bandwidth"]),
            keys(spec_["properties"]["bandwidth"]["properties"]));
  // Every schema property is read (an unknown one would be refused by name).
  for (const auto& key : keys(spec_["properties"]))
    EXPECT_TRUE(full_spec().contains(key) || bandwidth_spec().contains(key)) << key;
  json unknown = full_spec();
  unknown["duplicate"] = json::object();
  EXPECT_FALSE(parse_spec(unknown));
}

TEST_F(CrdSchema, GuardPropertiesAreThoseTheParserReads) {
  const auto& guard = spec_["properties"]["guard"];
  ASSERT_TRUE(guard.IsMap());
  std::set<std::string> parser(guard_field_names().begin(), guard_field_names().end());
  EXPECT_EQ(keys(guard["properties"]), parser);
  for (const auto& key : parser) {
    if (key == "window") continue;
    // The engine's bounds (chaos/spec_guard.h): 1 to 10^12 events.
    EXPECT_EQ(guard["properties"][key]["type"].as<std::string>(), "integer") << key;
    EXPECT_EQ(guard["properties"][key]["minimum"].as<uint64_t>(), 1u) << key;
    EXPECT_EQ(guard["properties"][key]["maximum"].as<uint64_t>(), 1'000'000'000'000u) << key;
  }
  std::regex window(guard["properties"]["window"]["pattern"].as<std::string>());
  EXPECT_TRUE(std::regex_match("1m30s", window));
  EXPECT_TRUE(std::regex_match("100ms", window));
  EXPECT_FALSE(std::regex_match("10", window));
  json typo = full_spec();
  typo["guard"] = {{"tcpRetransmit", 5}};
  auto r = parse_spec(typo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().rfind("spec.guard.tcpRetransmit:", 0), 0u) << r.error().message();
  typo["guard"] = "tcpRetransmits=5";
  r = parse_spec(typo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().rfind("spec.guard:", 0), 0u) << r.error().message();
}

TEST_F(CrdSchema, SelectorPropertiesAreThoseTheParserReads) {
  std::set<std::string> written = json_keys(full_spec()["selector"]);
  auto parsed = parse_spec(full_spec());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(json_keys(pods::to_json(parsed->spec.selector)), written);
  EXPECT_EQ(keys(spec_["properties"]["selector"]["properties"]), written);
  EXPECT_EQ(keys(spec_["properties"]["target"]["properties"]["selector"]["properties"]), written);
  EXPECT_EQ(strings(spec_["properties"]["selector"]["properties"]["expressionSelectors"]["items"]["properties"]
                         ["operator"]["enum"]),
            (std::set<std::string>{"In", "NotIn", "Exists", "DoesNotExist"}));
  for (const auto& op : {"In", "NotIn", "Exists", "DoesNotExist"}) {
    json s = full_spec();
    s["selector"]["expressionSelectors"] = {{{"key", "k"}, {"operator", op}}};
    if (std::string(op).find("In") != std::string::npos) s["selector"]["expressionSelectors"][0]["values"] = {"v"};
    EXPECT_TRUE(parse_spec(s)) << op;
  }
  for (const auto& phase :
       strings(spec_["properties"]["selector"]["properties"]["podPhaseSelectors"]["items"]["enum"])) {
    json s = full_spec();
    s["selector"]["podPhaseSelectors"] = {phase};
    EXPECT_TRUE(parse_spec(s)) << phase;
  }
}

TEST_F(CrdSchema, EnumsEqualTheParsers) {
  EXPECT_EQ(strings(spec_["properties"]["action"]["enum"]),
            (std::set<std::string>{action_name(FaultAction::loss), action_name(FaultAction::delay),
                                   action_name(FaultAction::netem), action_name(FaultAction::bandwidth),
                                   action_name(FaultAction::duplicate), action_name(FaultAction::corrupt),
                                   action_name(FaultAction::partition)}));
  std::set<std::string> modes;
  for (auto m : {pods::PickMode::one, pods::PickMode::all, pods::PickMode::fixed, pods::PickMode::fixed_percent,
                 pods::PickMode::random_max_percent})
    modes.insert(pods::pick_mode_name(m));
  EXPECT_EQ(strings(spec_["properties"]["mode"]["enum"]), modes);
  EXPECT_EQ(strings(spec_["properties"]["target"]["properties"]["mode"]["enum"]), modes);
  EXPECT_EQ(strings(spec_["properties"]["direction"]["enum"]),
            (std::set<std::string>{direction_name(TrafficDirection::to), direction_name(TrafficDirection::from),
                                   direction_name(TrafficDirection::both)}));
  EXPECT_EQ(spec_["properties"]["direction"]["default"].as<std::string>(), direction_name(TrafficDirection{}));
  for (const auto& p : strings(spec_["properties"]["protocol"]["enum"])) {
    json s = full_spec();
    s["protocol"] = p;
    if (p == "icmp") s.erase("ports");
    EXPECT_TRUE(parse_spec(s)) << p;
  }
  json s = full_spec();
  s["protocol"] = "sctp";
  EXPECT_FALSE(parse_spec(s));
  EXPECT_EQ(strings(spec_["properties"]["protocol"]["enum"]), (std::set<std::string>{"tcp", "udp", "icmp"}));
}

TEST_F(CrdSchema, RequiredFieldsAreTheParsers) {
  const auto required = strings(spec_["required"]);
  EXPECT_EQ(required, (std::set<std::string>{"action", "mode", "selector", "duration"}));
  for (const auto& key : json_keys(full_spec())) {
    json s = full_spec();
    s.erase(key);
    // value and the action's own fields are required by the mode/action, which the schema cannot express.
    if (key == "value" || key == "delay" || key == "loss") continue;
    EXPECT_EQ(static_cast<bool>(parse_spec(s)), required.count(key) == 0) << key;
  }
  EXPECT_EQ(strings(spec_["properties"]["delay"]["required"]), std::set<std::string>{"latency"});
  EXPECT_EQ(keys(spec_["properties"]["delay"]["properties"]), json_keys(full_spec()["delay"]));
  const auto& reorder = spec_["properties"]["delay"]["properties"]["reorder"];
  EXPECT_EQ(strings(reorder["required"]), std::set<std::string>{"reorder"});
  EXPECT_EQ(keys(reorder["properties"]), json_keys(full_spec()["delay"]["reorder"]));
  json no_percent = full_spec();
  no_percent["delay"]["reorder"].erase("reorder");
  EXPECT_FALSE(parse_spec(no_percent));
  json gap_over = full_spec();
  gap_over["delay"]["reorder"]["gap"] = reorder["properties"]["gap"]["maximum"].as<int64_t>() + 1;
  EXPECT_FALSE(parse_spec(gap_over));
  EXPECT_EQ(strings(spec_["properties"]["loss"]["required"]), std::set<std::string>{"loss"});
  EXPECT_EQ(keys(spec_["properties"]["loss"]["properties"]), json_keys(full_spec()["loss"]));
  EXPECT_EQ(strings(spec_["properties"]["target"]["required"]), (std::set<std::string>{"selector", "mode"}));
  EXPECT_EQ(keys(spec_["properties"]["target"]["properties"]), (std::set<std::string>{"selector", "mode", "value"}));
}

// The schema's duration pattern accepts what the parser accepts (ASCII units).
TEST_F(CrdSchema, DurationPatternAgreesWithTheParser) {
  const std::regex pattern(spec_["properties"]["duration"]["pattern"].as<std::string>());
  for (const char* d : {"10s", "1.5s", "100ms", "1m30s", "2h", "250us", "5ns"}) {
    EXPECT_TRUE(std::regex_match(d, pattern)) << d;
    json s = full_spec();
    s["duration"] = d;
    EXPECT_TRUE(parse_spec(s)) << d;
  }
  for (const char* d : {"10", "s", "-1s", "1 s", "1d", "ten seconds"}) {
    EXPECT_FALSE(std::regex_match(d, pattern)) << d;
    json s = full_spec();
    s["duration"] = d;
    EXPECT_FALSE(parse_spec(s)) << d;
  }
  EXPECT_EQ(spec_["properties"]["delay"]["properties"]["latency"]["pattern"].as<std::string>(),
            spec_["properties"]["duration"]["pattern"].as<std::string>());
}

TEST_F(CrdSchema, ExternalTargetPatternRefusesNames) {
  const std::regex pattern(spec_["properties"]["externalTargets"]["items"]["pattern"].as<std::string>());
  for (const char* ok : {"10.0.0.0/8", "192.0.2.1", "fd00::/64", "::1"})
    EXPECT_TRUE(std::regex_match(ok, pattern)) << ok;
  for (const char* bad : {"www.google.com", "example.com:443"}) EXPECT_FALSE(std::regex_match(bad, pattern)) << bad;
  EXPECT_EQ(spec_["properties"]["externalTargets"]["maxItems"].as<size_t>(), crd::kMaxExternalTargets);
  EXPECT_EQ(crd::kMaxExternalTargets, 1024u);
  EXPECT_EQ(spec_["properties"]["ports"]["maxItems"].as<size_t>(), 4u);
}

// The contract's status: per-node entries and conditions as list-maps (each
// node's server-side apply owns its own entry), the printer columns.
TEST_F(CrdSchema, StatusListMapsAndPrinterColumns) {
  auto status = version_["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"];
  EXPECT_EQ(status["nodes"]["x-kubernetes-list-type"].as<std::string>(), "map");
  EXPECT_EQ(strings(status["nodes"]["x-kubernetes-list-map-keys"]), std::set<std::string>{"node"});
  EXPECT_EQ(strings(status["nodes"]["items"]["required"]), std::set<std::string>{"node"});
  EXPECT_EQ(strings(status["nodes"]["items"]["properties"]["phase"]["enum"]),
            (std::set<std::string>{"Injected", "Aborted", "NoTargets", "Paused", "Expired", "Recovered", "Failed"}));
  EXPECT_EQ(keys(status["nodes"]["items"]["properties"]["counters"]["properties"]),
            (std::set<std::string>{"passed", "dropped", "delayed"}));
  EXPECT_EQ(status["conditions"]["x-kubernetes-list-type"].as<std::string>(), "map");
  EXPECT_EQ(strings(status["conditions"]["x-kubernetes-list-map-keys"]), std::set<std::string>{"type"});
  EXPECT_TRUE(strings(status["conditions"]["items"]["required"]).count("type"));
  EXPECT_EQ(status["injectedNodes"]["type"].as<std::string>(), "integer");
  EXPECT_EQ(status["pods"]["type"].as<std::string>(), "integer");
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& c : version_["additionalPrinterColumns"])
    columns.emplace_back(c["name"].as<std::string>(), c["jsonPath"].as<std::string>());
  EXPECT_EQ(columns, (std::vector<std::pair<std::string, std::string>>{{"Action", ".spec.action"},
                                                                       {"Mode", ".spec.mode"},
                                                                       {"Nodes", ".status.injectedNodes"},
                                                                       {"Pods", ".status.pods"},
                                                                       {"Age", ".metadata.creationTimestamp"}}));
}
