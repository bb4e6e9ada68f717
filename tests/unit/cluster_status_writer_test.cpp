// cluster/status_writer against the stateful fake API server: each node
// applies only its own status.nodes[] entry (server-side apply, its own
// field manager), entries merge without conflict, the summary follows.
#include "cluster/status_writer.h"

#include <gtest/gtest.h>

#include "fake_kube_fixture.h"

namespace seismo::cluster {
namespace {

class StatusWriterTest : public fakes::FakeKubeFixture {
 protected:
  const std::string kPath = "/apis/seismo.dev/v1alpha1/namespaces/shop/networkfaults/web-loss";

  StatusWriter writer(const std::string& node) {
    pods::KubeConfig cfg;
    cfg.server = api_->url();
    return StatusWriter(*pods::KubeClient::create(cfg), node, stop_, StatusWriterOptions{3, std::chrono::milliseconds(10)});
  }
  static NodeStatusEntry entry(NodePhase phase, std::vector<std::string> pods, uint64_t dropped = 0) {
    NodeStatusEntry e;
    e.namespace_name = "shop";
    e.name = "web-loss";
    e.phase = phase;
    e.pods = std::move(pods);
    e.passed = 100;
    e.dropped = dropped;
    e.observed_generation = 1;
    return e;
  }
  json node_entry(const std::string& node) {
    auto object = get(kPath);  // the loop must not outlive it
    for (const auto& n : object["status"]["nodes"]) {
      if (n["node"] == node) return n;
    }
    return nullptr;
  }
  std::string condition(const std::string& type) {
    auto object = get(kPath);
    for (const auto& c : object["status"]["conditions"]) {
      if (c["type"] == type) return c["status"];
    }
    return "";
  }

  std::atomic<bool> stop_{false};
};

TEST_F(StatusWriterTest, TwoNodesWriteTheirOwnEntriesAndTheSummaryFollows) {
  create_fault("web-loss", "shop");
  auto a = writer("node-a");
  auto b = writer("node-b");
  auto wa = a.write(entry(NodePhase::injected, {"shop/web-1"}, 3), 1'800'000'000);
  ASSERT_TRUE(wa) << wa.error().message();
  EXPECT_EQ(*wa, WriteOutcome::written);
  auto wb = b.write(entry(NodePhase::injected, {"shop/web-2", "shop/web-3"}, 5), 1'800'000'001);
  ASSERT_TRUE(wb) << wb.error().message();
  auto na = node_entry("node-a");
  ASSERT_FALSE(na.is_null());
  EXPECT_EQ(na["phase"], "Injected");
  EXPECT_EQ(na["counters"]["dropped"], 3);
  EXPECT_EQ(na["observedGeneration"], 1);
  EXPECT_EQ(node_entry("node-b")["pods"].size(), 2u);
  auto status = get(kPath)["status"];
  EXPECT_EQ(status["injectedNodes"], 2);
  EXPECT_EQ(status["pods"], 3);
  EXPECT_EQ(condition("AllInjected"), "True");
  EXPECT_EQ(condition("AllRecovered"), "False");
  // Each node's entry is owned by its own manager: node-a updating its entry
  // leaves node-b's alone.
  ASSERT_TRUE(a.write(entry(NodePhase::recovered, {}), 1'800'000'002));
  EXPECT_EQ(node_entry("node-b")["phase"], "Injected");
  EXPECT_EQ(node_entry("node-a")["phase"], "Recovered");
  EXPECT_EQ(get(kPath)["status"]["injectedNodes"], 1);
  ASSERT_TRUE(b.write(entry(NodePhase::expired, {"shop/web-2", "shop/web-3"}), 1'800'000'003));
  EXPECT_EQ(condition("AllRecovered"), "True");
  EXPECT_EQ(condition("AllInjected"), "False");
  EXPECT_EQ(get(kPath)["status"]["nodes"].size(), 2u);
}

TEST_F(StatusWriterTest, TheSummaryIsAppliedOnlyWhenItChanges) {
  create_fault("web-loss", "shop");
  auto a = writer("node-a");
  ASSERT_TRUE(a.write(entry(NodePhase::injected, {"shop/web-1"}, 1), 1'800'000'000));
  EXPECT_EQ(a.counters().summaries, 1u);
  // Counters only: the summary (nodes, pods, conditions) is unchanged.
  ASSERT_TRUE(a.write(entry(NodePhase::injected, {"shop/web-1"}, 9), 1'800'000'005));
  EXPECT_EQ(a.counters().summaries, 1u);
  EXPECT_EQ(a.counters().requests, 3u);
  EXPECT_EQ(node_entry("node-a")["counters"]["dropped"], 9);
}

TEST_F(StatusWriterTest, ADeletedObjectIsGoneNotAnError) {
  auto a = writer("node-a");
  auto w = a.write(entry(NodePhase::recovered, {}), 1'800'000'000);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(*w, WriteOutcome::gone);
  EXPECT_EQ(a.counters().errors, 0u);
  EXPECT_EQ(a.counters().gone, 1u);
}

TEST_F(StatusWriterTest, ServerErrorsAreRetriedABoundedNumberOfTimes) {
  create_fault("web-loss", "shop");
  auto a = writer("node-a");
  api_->faults().fail_next(2, 503);
  auto w = a.write(entry(NodePhase::injected, {"shop/web-1"}), 1'800'000'000);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(node_entry("node-a")["phase"], "Injected");
  api_->faults().fail_next(10, 500);
  auto failed = a.write(entry(NodePhase::recovered, {}), 1'800'000'001);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("HTTP 500"), std::string::npos) << failed.error().message();
  EXPECT_EQ(a.counters().errors, 1u);
}

}  // namespace
}  // namespace seismo::cluster
