// Wrong types and out-of-range values for every parameter of every control
// method. Each row starts from a valid request (a loss fault on the lab's
// veth), breaks one thing, and expects the error code and the field named.
#include <functional>

#include "hostile_support.h"

using namespace seismo::testing;
using nlohmann::json;

namespace {

using Patch = std::function<void(json&)>;

struct ParamCase {
  const char* name;
  const char* method;
  Patch patch;  // applied to a valid fault.add spec (other methods: to {})
  const char* code;
  const char* field;
  friend void PrintTo(const ParamCase& c, std::ostream* os) { *os << c.name; }
};

Patch set(const char* key, json value) {
  return [key, value](json& j) { j[key] = value; };
}
Patch set_in(const char* obj, const char* key, json value) {
  return [obj, key, value](json& j) { j[obj][key] = value; };
}
Patch erase(const char* key) {
  return [key](json& j) { j.erase(key); };
}
Patch delay(json params) {
  return [params](json& j) {
    j.erase("loss");
    j["action"] = "delay";
    j["delay"] = params;
  };
}
// The spec as a duplicate or corrupt fault with these parameters.
Patch kind(const char* action, json params) {
  return [action, params](json& j) {
    j.erase("loss");
    j["action"] = action;
    j[action] = params;
  };
}
Patch filter(json f) {
  return [f](json& j) { j["filter"] = f; };
}
Patch replace_all(json v) {
  return [v](json& j) { j = v; };
}

const char* kBad = "invalid_request";

// fault.add: the name, the target and the pod selector.
std::vector<ParamCase> name_and_target_cases() {
  return {
      {"AddEmpty", "fault.add", replace_all(json::object()), kBad, "target"},
      {"NameNumber", "fault.add", set("name", 5), kBad, "name"},
      {"NameUpper", "fault.add", set("name", "Bad"), kBad, "name"},
      {"NameTooLong", "fault.add", set("name", std::string(64, 'a')), kBad, "name"},
      // 200 KB: far over the name limit, under the 256 KiB request limit
      // (a longer line is refused as a whole, before any method sees it).
      {"NameHuge", "fault.add", set("name", std::string(200000, 'a')), kBad, "name"},
      {"NameLeadingDash", "fault.add", set("name", "-x"), kBad, "name"},
      {"NameSlash", "fault.add", set("name", "a/b"), kBad, "name"},
      {"NameNonAscii", "fault.add", set("name", "caf\u00e9"), kBad, "name"},
      {"NameArray", "fault.add", set("name", json::array({"a"})), kBad, "name"},
      {"TargetString", "fault.add", set("target", "netns"), kBad, "target"},
      {"TargetEmpty", "fault.add", set("target", json::object()), kBad, "target"},
      {"TargetTwoKinds", "fault.add", set_in("target", "pid", 1), kBad, "target"},
      {"NetnsNumber", "fault.add", set_in("target", "netns", 5), kBad, "target.netns"},
      {"NetnsSlash", "fault.add", set_in("target", "netns", "../../proc/1/ns/net"), kBad, "target.netns"},
      {"NetnsEmpty", "fault.add", set_in("target", "netns", ""), kBad, "target.netns"},
      {"NetnsMissing", "fault.add", set_in("target", "netns", "smc-no-such-ns"), "not_found", "target.netns"},
      {"PidString", "fault.add", set("target", {{"pid", "1"}}), kBad, "target.pid"},
      {"PidZero", "fault.add", set("target", {{"pid", 0}}), kBad, "target.pid"},
      {"PidNegative", "fault.add", set("target", {{"pid", -1}}), kBad, "target.pid"},
      {"PidHuge", "fault.add", set("target", {{"pid", 1LL << 40}}), kBad, "target.pid"},
      {"PidFloat", "fault.add", set("target", {{"pid", 1.5}}), kBad, "target.pid"},
      {"PidGone", "fault.add", set("target", {{"pid", 0x3ffffff0}}), "not_found", "target.pid"},
      {"CgroupNumber", "fault.add", set("target", {{"cgroup", 5}}), kBad, "target.cgroup"},
      {"CgroupDotDot", "fault.add", set("target", {{"cgroup", "/../../etc"}}), kBad, "target.cgroup"},
      {"CgroupMissing", "fault.add", set("target", {{"cgroup", "/smc-no-such-cgroup"}}), "not_found", "target.cgroup"},
      {"InterfaceNumber", "fault.add", set_in("target", "interface", 5), kBad, "target.interface"},
      {"InterfaceTooLong", "fault.add", set_in("target", "interface", std::string(16, 'e')), kBad, "target.interface"},
      {"InterfaceSlash", "fault.add", set_in("target", "interface", "a/b"), kBad, "target.interface"},
      {"InterfaceMissing", "fault.add", set_in("target", "interface", "nosuch0"), "not_found", "target.interface"},
      {"HostNetworkString", "fault.add", set_in("target", "host_network", "yes"), kBad, "target.host_network"},
      {"TargetUnknownKey", "fault.add", set_in("target", "namespace", "x"), kBad, "target.namespace"},
      {"SelectorString", "fault.add", set("selector", "app=web"), kBad, "selector"},
      {"SelectorEmpty", "fault.add", [](json& j) { j.erase("target"); j["selector"] = json::object(); }, kBad,
       "selector"},
      {"SelectorNamespacesString", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"namespaces", "default"}}; }, kBad, "selector.namespaces"},
      {"SelectorNamespaceBad", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"namespaces", {"Bad_NS"}}}; }, kBad,
       "selector.namespaces[0]"},
      {"SelectorLabelsNumber", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"labelSelectors", 5}}; }, kBad, "selector.labelSelectors"},
      {"SelectorLabelsSyntax", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"labelSelectors", "app in (("}}; }, kBad,
       "selector.labelSelectors"},
      {"SelectorLabelValueNumber", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"labelSelectors", {{"app", 5}}}}; }, kBad,
       "selector.labelSelectors.app"},
      {"SelectorPodsEmptyList", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"pods", {{"default", json::array()}}}}; }, kBad,
       "selector.pods.default"},
      {"SelectorPodNameBad", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"pods", {{"default", {"UP"}}}}}; }, kBad,
       "selector.pods.default[0]"},
      {"SelectorWithNetnsTarget", "fault.add", set("selector", {{"namespaces", {"default"}}}), kBad, "target"},
      {"SelectorWithoutPodsApi", "fault.add",
       [](json& j) { j.erase("target"); j["selector"] = {{"namespaces", {"default"}}}; }, "unsupported", "selector"},
  };
}

// fault.add: mode, direction, action and its parameters, filter, duration.
std::vector<ParamCase> spec_field_cases() {
  return {
      {"ModeNumber", "fault.add", set("mode", 5), kBad, "mode"},
      {"ModeUnknown", "fault.add", set("mode", "random-max-percent"), kBad, "mode"},
      {"ModeFixedNoValue", "fault.add", set("mode", "fixed"), kBad, "value"},
      {"ModeFixedZero", "fault.add", [](json& j) { j["mode"] = "fixed"; j["value"] = 0; }, kBad, "value"},
      {"ModeFixedText", "fault.add", [](json& j) { j["mode"] = "fixed"; j["value"] = "many"; }, kBad, "value"},
      {"ModePercentOver", "fault.add", [](json& j) { j["mode"] = "fixed-percent"; j["value"] = 150; }, kBad, "value"},
      {"ValueWithModeAll", "fault.add", set("value", 3), kBad, "value"},
      {"DirectionNumber", "fault.add", set("direction", 1), kBad, "direction"},
      {"DirectionUnknown", "fault.add", set("direction", "to"), kBad, "direction"},
      {"ActionMissing", "fault.add", erase("action"), kBad, "action"},
      {"ActionNumber", "fault.add", set("action", 1), kBad, "action"},
      {"ActionUnknown", "fault.add", set("action", "blackhole"), kBad, "action"},
      // A partition has no parameters: the loss object left over is named.
      {"PartitionWithLoss", "fault.add", set("action", "partition"), kBad, "loss: given, but action is partition"},
      {"PartitionWithParams", "fault.add", [](json& j) { j.erase("loss"); j["action"] = "partition"; j["partition"] = 1; },
       kBad, "partition"},
      {"ReorderString", "fault.add", delay({{"latency", "10ms"}, {"reorder", "yes"}}), kBad, "delay.reorder"},
      {"ReorderPercentNan", "fault.add", delay({{"latency", "10ms"}, {"reorder", {{"percent", "nan"}}}}), kBad,
       "delay.reorder.percent"},
      {"ReorderPercentHuge", "fault.add", delay({{"latency", "10ms"}, {"reorder", {{"percent", 1e300}}}}), kBad,
       "delay.reorder.percent"},
      {"ReorderGapNegative", "fault.add", delay({{"latency", "10ms"}, {"reorder", {{"percent", 5}, {"gap", -3}}}}),
       kBad, "delay.reorder.gap"},
      {"ReorderGapHuge", "fault.add", delay({{"latency", "10ms"}, {"reorder", {{"percent", 5}, {"gap", 1e19}}}}),
       kBad, "delay.reorder.gap"},
      {"ReorderGapArray", "fault.add", delay({{"latency", "10ms"}, {"reorder", {{"percent", 5}, {"gap", {1}}}}}),
       kBad, "delay.reorder.gap"},
      {"LossMissing", "fault.add", erase("loss"), kBad, "loss"},
      {"LossString", "fault.add", set("loss", "10%"), kBad, "loss"},
      {"LossPercentMissing", "fault.add", set("loss", json::object()), kBad, "loss.percent"},
      {"LossPercentNegative", "fault.add", set("loss", {{"percent", -1}}), kBad, "loss.percent"},
      {"LossPercentOver", "fault.add", set("loss", {{"percent", 100.01}}), kBad, "loss.percent"},
      {"LossPercentNan", "fault.add", set("loss", {{"percent", "nan"}}), kBad, "loss.percent"},
      {"LossPercentInf", "fault.add", set("loss", {{"percent", "1e999"}}), kBad, "loss.percent"},
      {"LossPercentBool", "fault.add", set("loss", {{"percent", true}}), kBad, "loss.percent"},
      {"LossPercentDoubleSign", "fault.add", set("loss", {{"percent", "10%%"}}), kBad, "loss.percent"},
      {"LossCorrelation100", "fault.add", set("loss", {{"percent", 5}, {"correlation", 100}}), kBad,
       "loss.correlation"},
      {"LossUnknownKey", "fault.add", set("loss", {{"percent", 5}, {"burst", 3}}), kBad, "loss.burst"},
      {"LossAndDelay", "fault.add", set("delay", {{"latency", "10ms"}}), kBad, "delay"},
      {"DuplicateMissing", "fault.add", kind("duplicate", nullptr), kBad, "duplicate"},
      {"DuplicateNotObject", "fault.add", kind("duplicate", "10%"), kBad, "duplicate"},
      {"DuplicatePercentNan", "fault.add", kind("duplicate", {{"percent", "nan"}}), kBad, "duplicate.percent"},
      {"DuplicatePercentHuge", "fault.add", kind("duplicate", {{"percent", 1e300}}), kBad, "duplicate.percent"},
      {"DuplicatePercentArray", "fault.add", kind("duplicate", {{"percent", {10}}}), kBad, "duplicate.percent"},
      {"DuplicateCorrelationNegative", "fault.add", kind("duplicate", {{"percent", 5}, {"correlation", -1}}), kBad,
       "duplicate.correlation"},
      {"DuplicateUnknownKey", "fault.add", kind("duplicate", {{"percent", 5}, {"duplicate", 5}}), kBad,
       "duplicate.duplicate"},
      {"CorruptPercentNegative", "fault.add", kind("corrupt", {{"percent", -0.1}}), kBad, "corrupt.percent"},
      {"CorruptPercentInf", "fault.add", kind("corrupt", {{"percent", "1e999"}}), kBad, "corrupt.percent"},
      {"CorruptPercentString", "fault.add", kind("corrupt", {{"percent", "lots"}}), kBad, "corrupt.percent"},
      {"CorruptCorrelation100", "fault.add", kind("corrupt", {{"percent", 5}, {"correlation", 100}}), kBad,
       "corrupt.correlation"},
      {"DelayLatencyMissing", "fault.add", delay(json::object()), kBad, "delay.latency"},
      {"DelayLatencyNoUnit", "fault.add", delay({{"latency", 100}}), kBad, "delay.latency"},
      {"DelayLatencyNegative", "fault.add", delay({{"latency", "-1ms"}}), kBad, "delay.latency"},
      {"DelayLatencyZero", "fault.add", delay({{"latency", "0s"}}), kBad, "delay.latency"},
      {"DelayLatencyPastHorizon", "fault.add", delay({{"latency", "11s"}}), kBad, "delay.latency"},
      {"DelayLatencyYears", "fault.add", delay({{"latency", "1y"}}), kBad, "delay.latency"},
      {"DelayLatencyOverflow", "fault.add", delay({{"latency", "99999999999999999999999h"}}), kBad, "delay.latency"},
      {"DelayJitterOverLatency", "fault.add", delay({{"latency", "10ms"}, {"jitter", "20ms"}}), kBad, "delay.jitter"},
      {"DelayCorrelation100", "fault.add", delay({{"latency", "10ms"}, {"correlation", 100}}), kBad,
       "delay.correlation"},
      {"DelayReorderString", "fault.add", delay({{"latency", "10ms"}, {"reorder", "yes"}}), kBad, "delay.reorder"},
      {"DelayUnknownKey", "fault.add", delay({{"latency", "10ms"}, {"rate", "1mbit"}}), kBad, "delay.rate"},
      {"FilterString", "fault.add", set("filter", "tcp"), kBad, "filter"},
      {"FilterUnknownKey", "fault.add", filter({{"externalTargets", {"example.com"}}}), kBad, "filter.externalTargets"},
      {"CidrsNotList", "fault.add", filter({{"cidrs", "10.0.0.0/8"}}), kBad, "filter.cidrs"},
      // One over the per-fault peer limit (1024).
      {"CidrsTooMany", "fault.add", filter({{"cidrs", json(std::vector<std::string>(1025, "10.0.0.0/8"))}}), kBad,
       "filter.cidrs"},
      // 15000 (~200 KB): under the 256 KiB request limit, far over the list limit.
      {"CidrsHuge", "fault.add", filter({{"cidrs", json(std::vector<std::string>(15000, "10.0.0.0/8"))}}), kBad,
       "filter.cidrs"},
      {"CidrNumber", "fault.add", filter({{"cidrs", {5}}}), kBad, "filter.cidrs[0]"},
      {"CidrBadOctet", "fault.add", filter({{"cidrs", {"300.1.1.1/8"}}}), kBad, "filter.cidrs[0]"},
      {"CidrBadPrefix4", "fault.add", filter({{"cidrs", {"10.0.0.0/33"}}}), kBad, "filter.cidrs[0]"},
      {"CidrBadPrefix6", "fault.add", filter({{"cidrs", {"::/129"}}}), kBad, "filter.cidrs[0]"},
      {"CidrNegativePrefix", "fault.add", filter({{"cidrs", {"10.0.0.0/-1"}}}), kBad, "filter.cidrs[0]"},
      {"CidrHostname", "fault.add", filter({{"cidrs", {"example.com/24"}}}), kBad, "filter.cidrs[0]"},
      {"ProtocolUnknown", "fault.add", filter({{"protocol", "sctp"}}), kBad, "filter.protocol"},
      {"ProtocolNumber", "fault.add", filter({{"protocol", 6}}), kBad, "filter.protocol"},
      {"PortsNotList", "fault.add", filter({{"ports", "80"}}), kBad, "filter.ports"},
      {"PortZero", "fault.add", filter({{"ports", {0}}}), kBad, "filter.ports[0]"},
      {"PortNegative", "fault.add", filter({{"ports", {-80}}}), kBad, "filter.ports[0]"},
      {"PortOver", "fault.add", filter({{"ports", {65536}}}), kBad, "filter.ports[0]"},
      {"PortRangeReversed", "fault.add", filter({{"ports", {"90-80"}}}), kBad, "filter.ports[0]"},
      {"PortRangeText", "fault.add", filter({{"ports", {"a-b"}}}), kBad, "filter.ports[0]"},
      {"PortRangeThreeParts", "fault.add", filter({{"ports", {"1-2-3"}}}), kBad, "filter.ports[0]"},
      {"PortFloat", "fault.add", filter({{"ports", {80.5}}}), kBad, "filter.ports[0]"},
      {"PortsTooMany", "fault.add", filter({{"ports", {1, 2, 3, 4, 5}}}), kBad, "filter.ports"},
      {"PortsWithIcmp", "fault.add", filter({{"protocol", "icmp"}, {"ports", {80}}}), kBad, "filter.ports"},
      {"DurationMissing", "fault.add", erase("duration"), kBad, "duration"},
      {"DurationNumber", "fault.add", set("duration", 30), kBad, "duration"},
      {"DurationZero", "fault.add", set("duration", "0s"), kBad, "duration"},
      {"DurationNegative", "fault.add", set("duration", "-5s"), kBad, "duration"},
      {"DurationOverMax", "fault.add", set("duration", "25h"), kBad, "duration"},
      {"DurationText", "fault.add", set("duration", "forever"), kBad, "duration"},
      {"DurationOverflow", "fault.add", set("duration", "184467440737095516160ns"), kBad, "duration"},
      {"DurationSpaces", "fault.add", set("duration", "5 s"), kBad, "duration"},
      {"UnknownTopLevelKey", "fault.add", set("scheduler", {{"cron", "@every 1m"}}), kBad, "scheduler"},
      {"ChaosMeshKind", "fault.add", set("kind", "NetworkChaos"), kBad, "kind"},
  };
}

std::vector<ParamCase> fault_add_cases() {
  auto cases = name_and_target_cases();
  auto more = spec_field_cases();
  cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

std::vector<ParamCase> other_method_cases() {
  return {
      {"ApplyNoDocument", "fault.apply", replace_all(json::object()), kBad, "document"},
      {"ApplyDocumentNumber", "fault.apply", replace_all({{"document", 5}}), kBad, "document"},
      {"ApplyDocumentObject", "fault.apply", replace_all({{"document", {{"faults", json::array()}}}}), kBad,
       "document"},
      {"ApplyDocumentEmpty", "fault.apply", replace_all({{"document", ""}}), kBad, "empty"},
      {"RmNoName", "fault.rm", replace_all(json::object()), kBad, "name"},
      {"RmNameNumber", "fault.rm", replace_all({{"name", 5}}), kBad, "name"},
      {"RmNameEmpty", "fault.rm", replace_all({{"name", ""}}), kBad, "name"},
      {"RmNameUnknown", "fault.rm", replace_all({{"name", "smc-never-added"}}), "not_found", "smc-never-added"},
      {"RmNameHuge", "fault.rm", replace_all({{"name", std::string(200000, 'z')}}), kBad, "name"},
      {"RmNameBadChars", "fault.rm", replace_all({{"name", "../Web"}}), kBad, "name"},
      {"TopLimitString", "top", replace_all({{"limit", "5"}}), kBad, "limit"},
      {"TopLimitZero", "top", replace_all({{"limit", 0}}), kBad, "limit"},
      {"TopLimitNegative", "top", replace_all({{"limit", -1}}), kBad, "limit"},
      {"TopLimitHuge", "top", replace_all({{"limit", 1LL << 62}}), kBad, "limit"},
      {"TopLimitFloat", "top", replace_all({{"limit", 1.5}}), kBad, "limit"},
      {"TopNamespaceWithoutPods", "top", replace_all({{"namespace", "default"}}), "unsupported", "namespace"},
      {"TopSelectorNumber", "top", replace_all({{"selector", 5}}), kBad, "selector"},
      {"PodsWithoutApi", "pods", replace_all(json::object()), "unsupported", "pods are off"},
      {"TraceCgroupNumber", "trace.exec", replace_all({{"cgroup", 5}}), kBad, "cgroup"},
      {"TraceCgroupRelative", "trace.exec", replace_all({{"cgroup", "kubepods"}}), kBad, "cgroup"},
      {"TraceCgroupEmpty", "trace.tcp", replace_all({{"cgroup", ""}}), kBad, "cgroup"},
      {"TraceUnknownKey", "trace.oom", replace_all({{"follow", true}}), kBad, "follow"},
      {"TracePodWithoutApi", "trace.exec", replace_all({{"pod", "web-0"}}), "unsupported", "pod"},
      {"TraceSelectorSyntax", "trace.exec", replace_all({{"selector", "a in (("}}), kBad, "selector"},
  };
}

class HostileParams : public HostileTest, public ::testing::WithParamInterface<ParamCase> {};

TEST_P(HostileParams, RefusedNamingTheField) {
  const ParamCase& c = GetParam();
  json params = json::object();
  if (std::string(c.method) == "fault.add") params = loss_fault("hostile-param", "30s");
  c.patch(params);
  Reply r = call(c.method, params);
  EXPECT_TRUE(refused(r, c.code, c.field)) << c.method << " " << params.dump().substr(0, 300);
}

INSTANTIATE_TEST_SUITE_P(FaultAdd, HostileParams, ::testing::ValuesIn(fault_add_cases()),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(OtherMethods, HostileParams, ::testing::ValuesIn(other_method_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

using HostileLimits = HostileTest;

TEST_F(HostileLimits, PerDeviceFaultLimitIsARefusalNotAnInternalError) {
  std::vector<std::string> added;
  Reply last;
  for (int i = 0; i < 12; ++i) {
    json spec = loss_fault("limit-" + std::to_string(i), "60s");
    spec["loss"]["percent"] = 1;
    last = call("fault.add", spec);
    if (!last.ok) break;
    added.push_back(spec["name"]);
  }
  ASSERT_FALSE(last.ok) << "12 faults on one device and direction were accepted";
  EXPECT_NE(last.code, "internal") << last.message;
  EXPECT_NE(last.code, "already_exists") << last.message;
  EXPECT_NE(last.message.find("limit"), std::string::npos) << last.message;
  for (const auto& n : added) EXPECT_TRUE(call("fault.rm", {{"name", n}}).ok) << n;
}

TEST_F(HostileLimits, DuplicateNameIsAlreadyExists) {
  ASSERT_TRUE(call("fault.add", loss_fault("dup-name")).ok);
  EXPECT_TRUE(refused(call("fault.add", loss_fault("dup-name")), "already_exists", "name"));
  EXPECT_TRUE(call("fault.rm", {{"name", "dup-name"}}).ok);
}

}  // namespace
