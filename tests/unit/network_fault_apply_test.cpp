// daemon/network_fault_apply: NetworkFault and NetworkChaos documents applied
// locally pick among this node's pods. Needs crd/network_fault.cpp,
// crd/network_chaos.cpp (k14-crd) and pods/pod_selector.cpp, pods/rendezvous.cpp
// (k14-select) to link.
#include "daemon/network_fault_apply.h"

#include <gtest/gtest.h>

#include <set>

using namespace seismo;
using namespace seismo::daemon;
using nlohmann::json;

namespace {

json network_fault(const std::string& name, json spec_extra = json::object()) {
  json spec = {{"action", "loss"},
               {"mode", "fixed"},
               {"value", "2"},
               {"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}}}}},
               {"loss", {{"loss", "30"}}},
               {"duration", "5m"}};
  spec.update(spec_extra);
  return {{"apiVersion", "seismo.dev/v1alpha1"},
          {"kind", "NetworkFault"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", spec}};
}

std::vector<pods::Pod> node_pods() {
  std::vector<pods::Pod> out;
  for (int i = 1; i <= 4; ++i) {
    pods::Pod p;
    p.uid = fmt::format("00000000-0000-0000-0000-00000000000{}", i);
    p.namespace_name = "shop";
    p.name = fmt::format("web-{}", i);
    p.node_name = "node-a";
    p.phase = "Running";
    p.labels = {{"app", i == 4 ? "db" : "web"}};
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST(NetworkFaultApply, PicksTheModesShareOfThisNodesMatchingPodsTheSameEachTime) {
  std::vector<json> items = {network_fault("web-loss")};
  ASSERT_TRUE(holds_network_faults(items));
  auto specs = local_network_fault_specs(items, node_pods());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  const auto& s = (*specs)[0];
  EXPECT_EQ(s.name, "web-loss");
  const auto& picked = s.target.selector.pods.at("shop");
  EXPECT_EQ(picked.size(), 2u);
  for (const auto& n : picked) EXPECT_NE(n, "web-4");  // db: not selected
  auto again = local_network_fault_specs(items, node_pods());
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].target.selector.pods, s.target.selector.pods);
}

TEST(NetworkFaultApply, RefusesWhatNeedsClusterModeAndNamesTheField) {
  auto target = local_network_fault_specs(
      {network_fault("t", {{"target", {{"mode", "all"}, {"selector", {{"namespaces", {"shop"}}}}}}})}, node_pods());
  ASSERT_FALSE(target);
  EXPECT_NE(target.error().message().find("faults[0]: spec.target"), std::string::npos) << target.error().message();
  auto reserved = local_network_fault_specs({network_fault("nf-mine")}, node_pods());
  ASSERT_FALSE(reserved);
  EXPECT_NE(reserved.error().message().find("metadata.name"), std::string::npos);
  auto mixed = local_network_fault_specs({network_fault("a"), json{{"name", "plain"}}}, node_pods());
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message().find("faults[1].kind"), std::string::npos);
  auto none = local_network_fault_specs(
      {network_fault("n", {{"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "x"}}}}}})},
      node_pods());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no pod on this node"), std::string::npos);
}

TEST(NetworkFaultApply, AChaosMeshNetworkChaosIsConvertedThenApplied) {
  json chaos = {{"apiVersion", "chaos-mesh.org/v1alpha1"},
                {"kind", "NetworkChaos"},
                {"metadata", {{"name", "delay-web"}, {"namespace", "shop"}}},
                {"spec",
                 {{"action", "delay"},
                  {"mode", "all"},
                  {"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}}}}},
                  {"delay", {{"latency", "10ms"}}},
                  {"duration", "30s"}}}};
  auto specs = local_network_fault_specs({chaos}, node_pods());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].action, chaos::Action::delay);
  EXPECT_EQ((*specs)[0].target.selector.pods.at("shop").size(), 3u);
}
