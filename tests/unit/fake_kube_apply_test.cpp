// The stateful fake API server's writes: create/update/delete metadata,
// generation, optimistic concurrency, patches and server-side apply on the
// status subresource with one field manager per node.
#include <gtest/gtest.h>

#include <thread>

#include "fake_kube_fixture.h"

namespace seismo::fakes {
namespace {

using FakeKubeApplyTest = FakeKubeFixture;
using nlohmann::json;

const std::string kFault = "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults/f";
const std::string kApply = "application/apply-patch+yaml";

json node_status(const std::string& node, const std::string& phase, int dropped = 0) {
  return {{"apiVersion", "seismo.dev/v1alpha1"},
          {"kind", "NetworkFault"},
          {"metadata", {{"name", "f"}, {"namespace", "ns1"}}},
          {"status", {{"nodes", {{{"node", node}, {"phase", phase}, {"dropped", dropped}}}}}}};
}

class FakeKubeSsaTest : public FakeKubeApplyTest {
 protected:
  HttpAnswer apply(const json& body, const std::string& manager, bool force = false,
                   const std::string& sub = "/status") {
    return call("PATCH", kFault + sub + "?fieldManager=" + manager + (force ? "&force=true" : ""), body, kApply);
  }
  json nodes() { return get(kFault)["status"]["nodes"]; }
  json managed(const std::string& manager) {
    auto object = get(kFault);  // the loop must not outlive it
    for (const auto& e : object["metadata"]["managedFields"]) {
      if (e["manager"] == manager) return e;
    }
    return nullptr;
  }
};

TEST_F(FakeKubeApplyTest, CreateStampsUidTimestampGenerationAndDropsStatusOfACustomResource) {
  auto body = fault("f", "ns1");
  body["status"] = {{"nodes", json::array()}};
  auto a = create_fault("x", "ns1");
  auto created = call("POST", "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults", body).json();
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_EQ(created["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_NE(created["metadata"]["uid"], a["metadata"]["uid"]);
  EXPECT_FALSE(created["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_FALSE(created.contains("status"));  // the status subresource's create strategy
  EXPECT_EQ(call("POST", "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults", body).status, 409);
  auto wrong_ns = fault("g", "other");
  EXPECT_EQ(call("POST", "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults", wrong_ns).status, 400);
}

TEST_F(FakeKubeApplyTest, GenerationCountsSpecChangesOnlyAndEachSideOfStatusKeepsTheOther) {
  auto f = create_fault("f", "ns1");
  auto spec_change = f;
  spec_change["spec"]["action"] = "delay";
  spec_change["status"] = {{"phase", "ignored"}};  // the main resource cannot write status
  auto updated = call("PUT", kFault, spec_change).json();
  EXPECT_EQ(updated["metadata"]["generation"], 2);
  EXPECT_FALSE(updated.contains("status"));
  auto status_change = updated;
  status_change["status"] = {{"phase", "Injected"}};
  status_change["spec"]["action"] = "ignored";  // /status cannot write spec
  auto with_status = call("PUT", kFault + "/status", status_change).json();
  EXPECT_EQ(with_status["metadata"]["generation"], 2);
  EXPECT_EQ(with_status["status"]["phase"], "Injected");
  EXPECT_EQ(with_status["spec"]["action"], "delay");
  auto labelled = with_status;
  labelled["metadata"]["labels"] = {{"team", "a"}};
  EXPECT_EQ(call("PUT", kFault, labelled).json()["metadata"]["generation"], 2);
}

TEST_F(FakeKubeApplyTest, StaleWritesConflictAndNoOpWritesKeepTheResourceVersion) {
  auto f = create_fault("f", "ns1");
  auto same = call("PUT", kFault, f).json();
  EXPECT_EQ(same["metadata"]["resourceVersion"], f["metadata"]["resourceVersion"]);
  auto changed = f;
  changed["spec"]["action"] = "delay";
  ASSERT_EQ(call("PUT", kFault, changed).status, 200);
  auto stale = call("PUT", kFault, changed);  // still carries the old resourceVersion
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body.find("the object has been modified"), std::string::npos);
  EXPECT_EQ(call("DELETE", kFault).json()["status"], "Success");
  EXPECT_EQ(call("DELETE", kFault).status, 404);
  EXPECT_EQ(call("PUT", kFault, changed).status, 404);
}

TEST_F(FakeKubeApplyTest, MergeAndJsonPatchesWriteThroughTheSameRules) {
  create_fault("f", "ns1");
  auto paused = call("PATCH", kFault, {{"metadata", {{"annotations", {{"seismo.dev/paused", "true"}}}}}},
                     "application/merge-patch+json");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.json()["metadata"]["annotations"]["seismo.dev/paused"], "true");
  EXPECT_EQ(paused.json()["metadata"]["generation"], 1);
  auto jp = call("PATCH", kFault, json::array({{{"op", "replace"}, {"path", "/spec/action"}, {"value", "delay"}}}),
                 "application/json-patch+json");
  EXPECT_EQ(jp.json()["metadata"]["generation"], 2);
  EXPECT_EQ(call("PATCH", kFault, {{"spec", {}}}, "application/strategic-merge-patch+json").status, 415);
}

TEST_F(FakeKubeSsaTest, TwoNodesEachOwnTheirEntryAndMergeWithoutConflict) {
  create_fault("f", "ns1");
  ASSERT_EQ(apply(node_status("node-a", "Injected"), "seismo-node-a").status, 200);
  auto b = apply(node_status("node-b", "Failed"), "seismo-node-b");
  ASSERT_EQ(b.status, 200) << b.body;
  auto n = nodes();
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0]["node"], "node-a");
  EXPECT_EQ(n[1]["phase"], "Failed");
  auto mine = managed("seismo-node-b");
  ASSERT_FALSE(mine.is_null());
  EXPECT_EQ(mine["operation"], "Apply");
  EXPECT_EQ(mine["subresource"], "status");
  EXPECT_EQ(mine["fieldsType"], "FieldsV1");
  const auto& item = mine["fieldsV1"]["f:status"]["f:nodes"]["k:{\"node\":\"node-b\"}"];
  EXPECT_TRUE(item.contains("."));
  EXPECT_TRUE(item.contains("f:phase"));
  EXPECT_FALSE(mine["fieldsV1"]["f:status"]["f:nodes"].contains("k:{\"node\":\"node-a\"}"));
  // A node updates its own entry again: the other's stays as it was.
  ASSERT_EQ(apply(node_status("node-a", "Recovered", 7), "seismo-node-a").status, 200);
  n = nodes();
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0]["phase"], "Recovered");
  EXPECT_EQ(n[0]["dropped"], 7);
  EXPECT_EQ(n[1]["phase"], "Failed");
  EXPECT_EQ(get(kFault)["metadata"]["generation"], 1);  // status is not a generation
}

TEST_F(FakeKubeSsaTest, AnApplyThatOmitsItsEntryRemovesItAndOnlyIt) {
  create_fault("f", "ns1");
  ASSERT_EQ(apply(node_status("node-a", "Injected"), "seismo-node-a").status, 200);
  ASSERT_EQ(apply(node_status("node-b", "Injected"), "seismo-node-b").status, 200);
  auto empty = node_status("node-a", "x");
  empty.erase("status");
  ASSERT_EQ(apply(empty, "seismo-node-a").status, 200);
  auto n = nodes();
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0]["node"], "node-b");
  EXPECT_TRUE(managed("seismo-node-a").is_null());  // owns nothing: its entry goes
  // Dropping a field of its entry removes that field only.
  auto no_dropped = node_status("node-b", "Injected");
  no_dropped["status"]["nodes"][0].erase("dropped");
  ASSERT_EQ(apply(no_dropped, "seismo-node-b").status, 200);
  EXPECT_FALSE(nodes()[0].contains("dropped"));
  EXPECT_EQ(nodes()[0]["phase"], "Injected");
}

TEST_F(FakeKubeSsaTest, SettingAnotherManagersFieldConflictsUnlessForced) {
  create_fault("f", "ns1");
  ASSERT_EQ(apply(node_status("node-a", "Injected"), "seismo-node-a").status, 200);
  auto before = get(kFault)["metadata"]["resourceVersion"];
  auto clash = apply(node_status("node-a", "Failed"), "intruder");
  EXPECT_EQ(clash.status, 409);
  auto st = clash.json();
  EXPECT_EQ(st["reason"], "Conflict");
  ASSERT_EQ(st["details"]["causes"].size(), 1u);
  EXPECT_EQ(st["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(st["details"]["causes"][0]["field"], ".status.nodes[node=\"node-a\"].phase");
  EXPECT_EQ(st["message"],
            "Apply failed with 1 conflict: conflict with \"seismo-node-a\" with subresource \"status\": "
            ".status.nodes[node=\"node-a\"].phase");
  EXPECT_EQ(get(kFault)["metadata"]["resourceVersion"], before);  // nothing written
  // The same value is shared ownership, not a conflict.
  EXPECT_EQ(apply(node_status("node-a", "Injected"), "observer").status, 200);
  auto forced = apply(node_status("node-a", "Failed"), "intruder", true);
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(nodes()[0]["phase"], "Failed");
  auto a = managed("seismo-node-a")["fieldsV1"]["f:status"]["f:nodes"]["k:{\"node\":\"node-a\"}"];
  EXPECT_FALSE(a.contains("f:phase"));  // force moved the field
  EXPECT_TRUE(a.contains("f:dropped"));
}

TEST_F(FakeKubeSsaTest, ANoOpApplyWritesNothingAndApplyValidatesItsRequest) {
  create_fault("f", "ns1");
  ASSERT_EQ(apply(node_status("node-a", "Injected"), "seismo-node-a").status, 200);
  auto rv = get(kFault)["metadata"]["resourceVersion"];
  // managedFields times have 1 s resolution: wait past it, so a no-op that
  // restamped its entry's time would show as a new resourceVersion.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto again = apply(node_status("node-a", "Injected"), "seismo-node-a");
  EXPECT_EQ(again.json()["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(call("PATCH", kFault + "/status", node_status("node-a", "x"), kApply).status, 422);  // no fieldManager
  auto missing = node_status("node-a", "x");
  missing["metadata"]["name"] = "ghost";
  EXPECT_EQ(call("PATCH", "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults/ghost/status?fieldManager=m", missing,
                 kApply)
                .status,
            404);
  EXPECT_EQ(
      call("PATCH", kFault + "/status?fieldManager=m&force=true", {{"status", {}}}, "application/merge-patch+json")
          .status,
      422);
  // Apply on the main resource creates, owned by the applier.
  auto fresh = fault("g", "ns1");
  auto created =
      call("PATCH", "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults/g?fieldManager=kubectl", fresh, kApply);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(created.json()["metadata"]["generation"], 1);
}

TEST_F(FakeKubeSsaTest, AFieldAnUpdateWroteIsOwnedByItsManagerAndConflictsWithAnApply) {
  create_fault("f", "ns1");  // POSTed with the User-Agent "probe/1.0": manager "probe"
  auto probe = managed("probe");
  ASSERT_FALSE(probe.is_null());
  EXPECT_EQ(probe["operation"], "Update");
  EXPECT_TRUE(probe["fieldsV1"]["f:spec"].contains("f:action"));
  auto mine = fault("f", "ns1", {{"action", "delay"}});
  auto clash = apply(mine, "kubectl", false, "");
  ASSERT_EQ(clash.status, 409) << clash.body;
  EXPECT_NE(clash.json()["message"].get<std::string>().find("conflict with \"probe\" using seismo.dev/v1alpha1 at "),
            std::string::npos);
  EXPECT_EQ(clash.json()["details"]["causes"][0]["field"], ".spec.action");
  auto forced = apply(mine, "kubectl", true, "");
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(forced.json()["metadata"]["generation"], 2);  // a spec change through apply counts too
  EXPECT_TRUE(managed("probe").is_null());                // it owned only spec.action
}

}  // namespace
}  // namespace seismo::fakes
