// The three-node lab itself (cluster_fixture.h), checked with what works
// without cluster mode: each seismod lists only its own node's pods, a pod
// fault made through one node's control socket hits only that node's pods,
// the traffic probes see it start and end, the fake API server can go away
// and come back, and nothing is left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "cluster_fixture.h"

namespace seismo::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ClusterFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (seismod, netns, cgroups)";
    auto lab = ClusterLab::create({});
    ASSERT_TRUE(lab) << lab.error().message();
    lab_ = std::move(*lab);
    // Two web pods and one db pod per node.
    for (std::size_t n = 0; n < lab_->node_count(); ++n) {
      for (const char* kind : {"web", "web", "db"}) {
        const std::string name = fmt::format("{}-{}{}", kind, static_cast<char>('a' + n), lab_->pods().size());
        auto p = lab_->add_pod(n, name, {{"app", kind}});
        ASSERT_TRUE(p) << p.error().message();
      }
    }
  }
  void TearDown() override {
    if (!lab_) return;
    auto stopped = lab_->stop_all();
    EXPECT_TRUE(stopped) << stopped.error().message();
    EXPECT_EQ(lab_->leftovers(), "");
    lab_.reset();
  }
  void start_all() {
    for (std::size_t n = 0; n < lab_->node_count(); ++n) {
      auto r = lab_->start_node(n);
      ASSERT_TRUE(r) << r.error().message();
    }
  }
  std::vector<std::string> keys_on(std::size_t node, const std::string& app = "") const {
    std::vector<std::string> out;
    for (const auto& p : lab_->pods())
      if (p->node == node && (app.empty() || p->labels.at("app") == app)) out.push_back(p->key());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<ClusterLab> lab_;
};

TEST_F(ClusterFixtureTest, EachNodeListsOnlyItsOwnPodsUnderItsOwnName) {
  std::set<std::string> names;
  for (std::size_t n = 0; n < lab_->node_count(); ++n) names.insert(lab_->node_name(n));
  EXPECT_EQ(names.size(), 3u);
  start_all();
  EXPECT_TRUE(lab_->silenced().empty()) << "no fault yet, every pod's traffic passes";
  for (std::size_t n = 0; n < lab_->node_count(); ++n) {
    const json st = lab_->call(n, "status");
    EXPECT_EQ(st["pods"].value("node_name", ""), lab_->node_name(n)) << st.dump();
    EXPECT_EQ(st["pods"].value("known", 0), 3) << st.dump();
    const json listed = lab_->call(n, "pods");
    ASSERT_TRUE(listed.contains("pods")) << listed.dump();
    std::vector<std::string> seen;
    for (const auto& p : listed["pods"]) {
      seen.push_back(p.value("namespace", "") + "/" + p.value("pod", ""));
      // It found each pod's network through the UID-named cgroup.
      EXPECT_TRUE(p["host_veth"].is_string()) << p.dump();
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, keys_on(n)) << lab_->node_log(n);
    // Its requests are counted apart (its own token).
    EXPECT_GE(lab_->api_requests_of(n), 2u) << "a list and a watch at least";
  }
}

TEST_F(ClusterFixtureTest, ALocalPodFaultHitsOnlyThatNodesPodsAndTheProbesSeeItStartAndEnd) {
  start_all();
  const std::size_t b = 1;
  const std::string name = fmt::format("it-local-{}", ::getpid());
  std::vector<ClusterPod*> web_b;
  for (const auto& p : lab_->pods())
    if (p->node == b && p->labels.at("app") == "web") web_b.push_back(p.get());
  const auto t0 = PodProbe::Clock::now();
  const json added = lab_->call(b, "fault.add",
                                {{"name", name},
                                 {"selector", {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}}}}},
                                 {"mode", "all"},
                                 {"action", "loss"},
                                 {"loss", {{"percent", 100}}},
                                 {"duration", "60s"}});
  ASSERT_FALSE(added.contains("error")) << added.dump() << lab_->node_log(b);
  const auto dropped = wait_for_traffic(lab_->probes(web_b), false, t0, 10s);
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    ASSERT_TRUE(dropped[i].has_value()) << web_b[i]->key() << " never dropped";
    EXPECT_GE(*dropped[i], 0.0);
  }
  EXPECT_EQ(lab_->silenced(), keys_on(b, "web")) << lab_->logs();
  for (std::size_t n = 0; n < lab_->node_count(); ++n)
    EXPECT_EQ(lab_->engine_faults(n, "it-local-").size(), n == b ? 1u : 0u);

  const auto t1 = PodProbe::Clock::now();
  ASSERT_FALSE(lab_->call(b, "fault.rm", {{"name", name}}).contains("error"));
  const auto passed = wait_for_traffic(lab_->probes(web_b), true, t1, 10s);
  for (std::size_t i = 0; i < passed.size(); ++i) {
    ASSERT_TRUE(passed[i].has_value()) << web_b[i]->key() << " never passed again";
    std::cout << "[ measured ] " << web_b[i]->key() << ": dropping " << *dropped[i] * 1e3
              << " ms after fault.add, passing " << *passed[i] * 1e3 << " ms after fault.rm\n";
  }
  EXPECT_TRUE(lab_->silenced().empty());
}

TEST_F(ClusterFixtureTest, NodesFollowTheApiServerThroughAnOutageAndAKilledNodeLeavesItsFaultToTheKernel) {
  start_all();
  lab_->stop_api();
  std::this_thread::sleep_for(1s);  // not for correctness: lets the watches notice the outage
  auto restarted = lab_->restart_api();
  ASSERT_TRUE(restarted) << restarted.error().message();
  auto late = lab_->add_pod(2, "web-late", {{"app", "web"}});
  ASSERT_TRUE(late) << late.error().message();
  EXPECT_TRUE(wait_until([&] { return lab_->call(2, "status")["pods"].value("known", 0) == 4; }, 30s))
      << lab_->node_log(2);
  for (std::size_t n : {0u, 1u}) EXPECT_EQ(lab_->call(n, "status")["pods"].value("known", 0), 3);

  // SIGKILL keeps the kernel's fault (until its duration): the fixture's
  // leftover check must see it, then the restarted node adopts and removes it.
  const json added = lab_->call(0, "fault.add",
                                {{"name", "it-kill"},
                                 {"selector", {{"labelSelectors", {{"app", "db"}}}}},
                                 {"action", "loss"},
                                 {"loss", {{"percent", 100}}},
                                 {"duration", "60s"}});
  ASSERT_FALSE(added.contains("error")) << added.dump();
  lab_->kill_node(0);
  EXPECT_EQ(lab_->silenced(), keys_on(0, "db"));
  EXPECT_NE(lab_->leftovers(), "");
  auto again = lab_->start_node(0);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(lab_->engine_faults(0, "it-kill"), std::vector<std::string>{"it-kill"}) << lab_->node_log(0);
  ASSERT_FALSE(lab_->call(0, "fault.rm", {{"name", "it-kill"}}).contains("error"));
  EXPECT_TRUE(lab_->silenced().empty());
}

}  // namespace
}  // namespace seismo::testing
