// daemon/network_fault_apply: NetworkFault and NetworkChaos documents applied
// locally pick among this node's pods; fault.apply's document read once,
// routed to seismo's fault specs or to the NetworkFault reader
// (crd/document.h, the one `seismo convert` uses, so a `kind: List` works).
#include "daemon/network_fault_apply.h"

#include <gtest/gtest.h>

#include <set>

#include "crd/document.h"

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


// The NetworkFaults of these objects, as fault.apply reads them.
std::vector<crd::NetworkFault> read(const std::vector<json>& objects) {
  auto faults = crd::read_network_faults(objects);
  EXPECT_TRUE(faults) << faults.error().message();
  return faults ? *faults : std::vector<crd::NetworkFault>{};
}

NodePods pods_here() {
  return [] { return node_pods(); };
}

}  // namespace

TEST(NetworkFaultApply, PicksTheModesShareOfThisNodesMatchingPodsTheSameEachTime) {
  auto items = read({network_fault("web-loss")});
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
      read({network_fault("t", {{"target", {{"mode", "all"}, {"selector", {{"namespaces", {"shop"}}}}}}})}),
      node_pods());
  ASSERT_FALSE(target);
  EXPECT_NE(target.error().message().find("faults[0]: spec.target"), std::string::npos) << target.error().message();
  auto reserved = local_network_fault_specs(read({network_fault("nf-mine")}), node_pods());
  ASSERT_FALSE(reserved);
  EXPECT_NE(reserved.error().message().find("metadata.name"), std::string::npos);
  // A document with NetworkFaults holds only those: a seismo fault spec beside one is refused naming its kind.
  auto mixed = fault_document_specs(network_fault("a").dump() + "\n", pods_here());
  ASSERT_TRUE(mixed) << mixed.error().message();
  mixed = fault_document_specs("---\n" + network_fault("a").dump() + "\n---\nname: plain\n", pods_here());
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message().find("document 2: kind: required"), std::string::npos) << mixed.error().message();
  auto none = local_network_fault_specs(
      read({network_fault("n", {{"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "x"}}}}}})}),
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
  auto specs = local_network_fault_specs(read({chaos}), node_pods());
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].action, chaos::Action::delay);
  EXPECT_EQ((*specs)[0].target.selector.pods.at("shop").size(), 3u);
}

TEST(NetworkFaultApply, AKubernetesListOfNetworkFaultAndNetworkChaosAppliesAsItsItems) {
  json chaos = {{"apiVersion", "chaos-mesh.org/v1alpha1"},
                {"kind", "NetworkChaos"},
                {"metadata", {{"name", "db-delay"}, {"namespace", "shop"}}},
                {"spec",
                 {{"action", "delay"},
                  {"mode", "all"},
                  {"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "db"}}}}},
                  {"delay", {{"latency", "10ms"}}},
                  {"duration", "30s"}}}};
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", {network_fault("web-loss"), chaos}}};
  // JSON, and the YAML kubectl writes (`kubectl get -o yaml` of several objects is a List).
  for (const std::string& text : {list.dump(), std::string("apiVersion: v1\nkind: List\nitems:\n- ") +
                                                   network_fault("web-loss").dump() + "\n- " + chaos.dump() + "\n"}) {
    auto specs = fault_document_specs(text, pods_here());
    ASSERT_TRUE(specs) << specs.error().message() << "\n" << text;
    ASSERT_EQ(specs->size(), 2u);
    EXPECT_EQ((*specs)[0].name, "web-loss");
    EXPECT_EQ((*specs)[0].action, chaos::Action::loss);
    EXPECT_EQ((*specs)[0].target.selector.pods.at("shop").size(), 2u);
    EXPECT_EQ((*specs)[1].name, "db-delay");
    EXPECT_EQ((*specs)[1].action, chaos::Action::delay);
    EXPECT_EQ((*specs)[1].target.selector.pods.at("shop"), std::vector<std::string>{"web-4"});
  }
  // An item of a List is named in errors.
  list["items"][1]["spec"]["delay"]["latency"] = "forever";
  auto bad = fault_document_specs(list.dump(), pods_here());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("document 1, items[1]: spec.delay.latency"), std::string::npos)
      << bad.error().message();
  // A plain JSON array of objects is not a List: said so, not read as seismo fault specs.
  auto array = fault_document_specs(json::array({network_fault("web-loss")}).dump(), pods_here());
  ASSERT_FALSE(array);
  EXPECT_NE(array.error().message().find("kind: List"), std::string::npos) << array.error().message();
}

TEST(NetworkFaultApply, WithoutPodsABadDocumentNamesItsFieldAndAGoodOneNeedsPods) {
  auto good = fault_document_specs(network_fault("web-loss").dump(), NodePods{});
  ASSERT_FALSE(good);
  EXPECT_EQ(good.error().code, EOPNOTSUPP) << good.error().message();
  auto bad = fault_document_specs(network_fault("web-loss", {{"loss", {{"loss", "300"}}}}).dump(), NodePods{});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, EINVAL);
  EXPECT_NE(bad.error().message().find("spec.loss.loss"), std::string::npos) << bad.error().message();
  auto target = fault_document_specs(
      network_fault("t", {{"target", {{"mode", "all"}, {"selector", {{"namespaces", {"shop"}}}}}}}).dump(), NodePods{});
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().code, EINVAL);
  EXPECT_NE(target.error().message().find("faults[0]: spec.target"), std::string::npos) << target.error().message();
  // seismo's own fault specs go their way (here: refused by their own parser, naming the field).
  auto own = fault_document_specs("name: x\naction: loss\nloss: {percent: 500}\n", NodePods{});
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().message().find("NetworkFault"), std::string::npos) << own.error().message();
}
