// cluster/node_plan and cluster/engine_sync: what each node runs for a
// NetworkFault, decided from fake lists with a fake ranking, and how the
// engine converges on it (a fake engine records every call).
#include "cluster/engine_sync.h"
#include "cluster/node_plan.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace seismo;
using namespace seismo::cluster;

namespace {

constexpr int64_t kCreated = 1'800'000'000;  // the fault's creationTimestamp
constexpr int64_t kNs = 1'000'000'000;

crd::NetworkFault fault(pods::PickMode mode = pods::PickMode::fixed, std::string value = "2") {
  crd::NetworkFault f;
  f.uid = "aaaaaaaa-0000-0000-0000-000000000001";
  f.namespace_name = "shop";
  f.name = "web-loss";
  f.generation = 3;
  f.created_unix = kCreated;
  f.spec.action = crd::FaultAction::loss;
  f.spec.mode = mode;
  f.spec.value = std::move(value);
  f.spec.selector.namespaces = {"shop"};
  f.spec.loss = crd::LossFields{50, 0};
  f.spec.duration_ns = 600 * kNs;
  return f;
}

pods::Pod pod(int i, const std::string& node, int64_t created = kCreated - 10) {
  pods::Pod p;
  p.uid = fmt::format("pod-uid-{}", i);
  p.namespace_name = "shop";
  p.name = fmt::format("web-{}", i);
  p.node_name = node;
  p.created_unix = created;
  p.ips = {fmt::format("10.1.0.{}", i)};
  return p;
}

// A fake ranking that every node computes the same way: order by uid,
// reversed (so the pick is not simply list order), take what the mode says.
std::vector<pods::Pod> fake_pick(const crd::NetworkFault&, pods::PickMode mode, const std::string& value,
                                 std::vector<pods::Pod> candidates) {
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.uid > b.uid; });
  std::size_t n = candidates.size();
  if (mode == pods::PickMode::one) n = std::min<std::size_t>(1, n);
  if (mode == pods::PickMode::fixed) n = std::min<std::size_t>(std::stoul(value), n);
  candidates.resize(n);
  return candidates;
}

// Five pods over three nodes, listed in a different order on each node.
std::vector<pods::Pod> five_pods(unsigned rotate) {
  std::vector<pods::Pod> v = {pod(1, "node-a"), pod(2, "node-b"), pod(3, "node-c"), pod(4, "node-a"),
                              pod(5, "node-b")};
  std::rotate(v.begin(), v.begin() + rotate % v.size(), v.end());
  return v;
}

PlanContext context(const std::string& node, int64_t now_s = kCreated + 60) {
  return PlanContext{node, now_s * kNs, fake_pick};
}

FaultView view_of(crd::NetworkFault f, std::vector<pods::Pod> candidates) {
  return FaultView{std::move(f), std::move(candidates), {}, true};
}

std::set<std::string> names(const std::vector<pods::Pod>& pods) {
  std::set<std::string> out;
  for (const auto& p : pods) out.insert(p.name);
  return out;
}

class FakeEngine : public EngineActions {
 public:
  std::vector<chaos::FaultMembers> running;
  std::vector<std::string> calls;

  std::vector<chaos::FaultMembers> members() const override { return running; }
  std::vector<chaos::FaultSample> samples() const override { return {}; }
  Result<void> add(chaos::FaultSpec spec) override {
    calls.push_back("add " + spec.name);
    chaos::FaultMembers m{spec.name, spec, {}};
    for (const auto& [ns, pods] : spec.target.selector.pods) {
      for (const auto& p : pods) m.owners.push_back("pod-uid-" + p.substr(p.find('-') + 1));
    }
    running.push_back(std::move(m));
    return {};
  }
  Result<void> remove(const std::string& name) override {
    calls.push_back("remove " + name);
    auto it = std::find_if(running.begin(), running.end(), [&](const auto& m) { return m.name == name; });
    if (it == running.end()) return fail_errno(ENOENT, "no fault");
    running.erase(it);
    return {};
  }
  Result<void> extend(const std::string& name, const std::vector<pods::Pod>& pods, const std::string&) override {
    for (auto& m : running) {
      if (m.name != name) continue;
      for (const auto& p : pods) {
        calls.push_back("extend " + name + " " + p.uid);
        m.owners.push_back(p.uid);
      }
    }
    return {};
  }
  Result<void> set_peers(const std::string& name, const std::vector<chaos::Cidr>& peers) override {
    std::vector<std::string> texts;
    for (const auto& c : peers) texts.push_back(c.to_string());
    std::sort(texts.begin(), texts.end());
    std::string call = "set_peers " + name;
    for (const auto& t : texts) call += " " + t;
    calls.push_back(call);
    for (auto& m : running) {
      if (m.name == name) m.spec.filter.cidrs = peers;
    }
    return {};
  }
  Result<void> retract(const std::string& name, const std::string& uid) override {
    calls.push_back("retract " + name + " " + uid);
    for (auto& m : running) {
      if (m.name == name) m.owners.erase(std::remove(m.owners.begin(), m.owners.end(), uid), m.owners.end());
    }
    return {};
  }
};

}  // namespace

TEST(NodePlan, FixedTwoOfFivePodsOnThreeNodesEachNodeTakesItsShareOfTheSameTwo) {
  std::set<std::string> hit;
  std::size_t injected_nodes = 0;
  for (unsigned rotate = 0; rotate < 5; ++rotate) {  // any list order gives the same pick
    hit.clear();
    injected_nodes = 0;
    for (const char* node : {"node-a", "node-b", "node-c"}) {
      auto plan = plan_node_fault(view_of(fault(), five_pods(rotate)), context(node));
      EXPECT_EQ(plan.picked_total, 2u);
      for (const auto& p : plan.pods) {
        EXPECT_EQ(p.node_name, node);
        EXPECT_TRUE(hit.insert(p.name).second) << p.name << " picked by two nodes";
      }
      if (plan.phase == NodePhase::injected) {
        ++injected_nodes;
        ASSERT_EQ(plan.specs.size(), 1u);
        EXPECT_EQ(plan.specs[0].name, "nf-" + fault().uid);
      } else {
        EXPECT_EQ(plan.phase, NodePhase::no_targets) << node;
        EXPECT_TRUE(plan.specs.empty());
      }
    }
    // fake_pick takes the two highest uids: web-5 (node-b) and web-4 (node-a).
    EXPECT_EQ(hit, (std::set<std::string>{"web-4", "web-5"}));
    EXPECT_EQ(injected_nodes, 2u);
  }
}

TEST(NodePlan, PodsCreatedAfterTheFaultNeverShiftAPickButJoinModeAll) {
  auto pods = five_pods(0);
  pods.push_back(pod(9, "node-c", kCreated + 5));  // would rank first
  auto plan = plan_node_fault(view_of(fault(), pods), context("node-c"));
  EXPECT_EQ(plan.phase, NodePhase::no_targets);
  auto all = plan_node_fault(view_of(fault(pods::PickMode::all, ""), pods), context("node-c"));
  EXPECT_EQ(all.phase, NodePhase::injected);
  EXPECT_EQ(names(all.pods), (std::set<std::string>{"web-3", "web-9"}));
  // A picked pod that goes away is replaced by the next in order (web-3, node-c).
  pods.erase(std::remove_if(pods.begin(), pods.end(), [](const auto& p) { return p.name == "web-5"; }), pods.end());
  auto replaced = plan_node_fault(view_of(fault(), pods), context("node-c"));
  EXPECT_EQ(names(replaced.pods), (std::set<std::string>{"web-3"}));
}

TEST(NodePlan, DurationCountsFromCreationAndExpiresThere) {
  auto plan = plan_node_fault(view_of(fault(), five_pods(0)), context("node-a", kCreated + 100));
  ASSERT_EQ(plan.phase, NodePhase::injected);
  EXPECT_EQ(plan.specs[0].duration_ns, 500u * kNs);  // 600 s from creation, 100 s gone
  auto expired = plan_node_fault(view_of(fault(), five_pods(0)), context("node-a", kCreated + 600));
  EXPECT_EQ(expired.phase, NodePhase::expired);
  EXPECT_TRUE(expired.specs.empty());
}

TEST(NodePlan, ANodeClockBehindTheApiServersNeverRunsPastTheDuration) {
  // creationTimestamp 30 s "in the future" for this node: the fault still
  // runs at most its 600 s.
  auto plan = plan_node_fault(view_of(fault(), five_pods(0)), context("node-a", kCreated - 30));
  ASSERT_EQ(plan.phase, NodePhase::injected) << plan.message;
  EXPECT_EQ(plan.specs[0].duration_ns, 600u * kNs);
}

TEST(NodePlan, PausedRunsNothingAndUnsyncedListsArePending) {
  auto f = fault();
  f.paused = true;
  auto paused = plan_node_fault(view_of(f, five_pods(0)), context("node-a"));
  EXPECT_EQ(paused.phase, NodePhase::paused);
  EXPECT_TRUE(paused.specs.empty());
  auto v = view_of(fault(), five_pods(0));
  v.pods_synced = false;
  EXPECT_EQ(plan_node_fault(v, context("node-a")).phase, NodePhase::pending);
}

TEST(NodePlan, TargetPodIpsAndExternalTargetsBecomeThePeersAndAnErrorFailsThePlan) {
  auto f = fault();
  f.spec.target = crd::PodTarget{};
  f.spec.external_targets = {"192.0.2.0/24"};
  auto v = view_of(f, five_pods(0));
  v.target_pods = {pod(7, "node-c"), pod(8, "node-b")};
  auto plan = plan_node_fault(v, context("node-a"));
  ASSERT_EQ(plan.phase, NodePhase::injected) << plan.message;
  std::set<std::string> peers;
  for (const auto& c : plan.specs[0].filter.cidrs) peers.insert(c.to_string());
  EXPECT_EQ(peers, (std::set<std::string>{"10.1.0.7/32", "10.1.0.8/32", "192.0.2.0/24"}));
  // 2 target pods + 1023 external prefixes: one over the per-fault peer limit (1024).
  v.fault.spec.external_targets.clear();
  for (int i = 0; i < 1023; ++i) v.fault.spec.external_targets.push_back(fmt::format("10.200.{}.{}", i / 256, i % 256));
  auto failed = plan_node_fault(v, context("node-a"));
  EXPECT_EQ(failed.phase, NodePhase::failed);
  EXPECT_NE(failed.message.find("spec.target/externalTargets"), std::string::npos) << failed.message;
  EXPECT_NE(failed.message.find("1025 peer addresses"), std::string::npos) << failed.message;
  EXPECT_NE(failed.message.find("at most 1024"), std::string::npos) << failed.message;
  // At the limit it runs: 2 pods + 1022 prefixes, far over the old inline 4.
  v.fault.spec.external_targets.pop_back();
  auto at_limit = plan_node_fault(v, context("node-a"));
  ASSERT_EQ(at_limit.phase, NodePhase::injected) << at_limit.message;
  EXPECT_EQ(at_limit.specs[0].filter.cidrs.size(), 1024u);
}

// A target pod replaced (new IP): the running fault's peers are changed in
// place, never removed and added again (a gap with the fault off and its
// counters restarted); only a change between "no peers" and "some" is a
// reinstall, and a change of anything else still is.
TEST(EngineSync, ChangedPeersAreReplacedInPlace) {
  FakeEngine engine;
  auto f = fault(pods::PickMode::all, "");
  f.spec.target = crd::PodTarget{};
  auto v = view_of(f, five_pods(0));
  v.target_pods = {pod(7, "node-c"), pod(8, "node-b")};
  const std::string name = "nf-" + f.uid;
  (void)sync_engine(engine, {plan_node_fault(v, context("node-a"))});
  ASSERT_EQ(engine.calls, std::vector<std::string>{"add " + name});
  engine.calls.clear();
  v.target_pods = {pod(7, "node-c"), pod(9, "node-b")};  // pod 8 replaced by pod 9
  auto out = sync_engine(engine, {plan_node_fault(v, context("node-a"))});
  EXPECT_EQ(engine.calls, std::vector<std::string>{"set_peers " + name + " 10.1.0.7/32 10.1.0.9/32"});
  EXPECT_EQ(out.repeered, 1u);
  EXPECT_EQ(out.removed + out.added, 0u);
  EXPECT_TRUE(out.errors[f.uid].empty()) << out.errors[f.uid];
  engine.calls.clear();
  // The same set in another order: nothing to do.
  v.target_pods = {pod(9, "node-b"), pod(7, "node-c")};
  (void)sync_engine(engine, {plan_node_fault(v, context("node-a"))});
  EXPECT_TRUE(engine.calls.empty());
  // A new pod on this node and a new peer in one pass: both in place.
  auto pods = five_pods(0);
  pods.push_back(pod(6, "node-a", kCreated + 30));
  auto grown = view_of(f, pods);
  grown.target_pods = {pod(7, "node-c"), pod(9, "node-b"), pod(10, "node-c")};
  (void)sync_engine(engine, {plan_node_fault(grown, context("node-a"))});
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"set_peers " + name + " 10.1.0.10/32 10.1.0.7/32 10.1.0.9/32",
                                                    "extend " + name + " pod-uid-6"}));
  engine.calls.clear();
  // Peers and a changed rate: reinstalled with the new peers.
  auto changed = f;
  changed.spec.loss->loss = 80;
  auto cv = view_of(changed, pods);
  cv.target_pods = {pod(7, "node-c")};
  (void)sync_engine(engine, {plan_node_fault(cv, context("node-a"))});
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"remove " + name, "add " + name}));
  ASSERT_EQ(engine.running.size(), 1u);
  EXPECT_EQ(engine.running[0].spec.filter.cidrs.size(), 1u);
}

TEST(EngineSync, APeerFilterAppearingOrGoingIsAReinstall) {
  FakeEngine engine;
  auto f = fault(pods::PickMode::all, "");
  const std::string name = "nf-" + f.uid;
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a"))});
  engine.calls.clear();
  auto with_peers = f;
  with_peers.spec.external_targets = {"192.0.2.0/24"};
  (void)sync_engine(engine, {plan_node_fault(view_of(with_peers, five_pods(0)), context("node-a"))});
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"remove " + name, "add " + name}))
      << "every peer → a set is another fault config";
}

TEST(EngineSync, InstallsOnceLeavesUnchangedFaultsAloneAndFollowsPodChanges) {
  FakeEngine engine;
  auto pods = five_pods(0);
  auto plan = plan_node_fault(view_of(fault(pods::PickMode::all, ""), pods), context("node-a"));
  auto out = sync_engine(engine, {plan});
  EXPECT_EQ(engine.calls, std::vector<std::string>{"add nf-" + fault().uid});
  EXPECT_EQ(out.covered[fault().uid], (std::set<std::string>{"pod-uid-1", "pod-uid-4"}));
  engine.calls.clear();
  // Later passes (a second later: less time left) change nothing.
  (void)sync_engine(engine, {plan_node_fault(view_of(fault(pods::PickMode::all, ""), pods), context("node-a", kCreated + 61))});
  EXPECT_TRUE(engine.calls.empty());
  // A pod joins, another is deleted: extend and retract, no reinstall.
  pods.push_back(pod(6, "node-a", kCreated + 30));
  pods.erase(pods.begin());  // web-1
  (void)sync_engine(engine, {plan_node_fault(view_of(fault(pods::PickMode::all, ""), pods), context("node-a"))});
  std::string name = "nf-" + fault().uid;
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"retract " + name + " pod-uid-1", "extend " + name + " pod-uid-6"}));
  // A pod that stays on the node but leaves the selection (its labels
  // changed): reinstalled without it, since the running spec still names it.
  engine.calls.clear();
  auto relabelled = plan_node_fault(view_of(fault(pods::PickMode::all, ""), pods), context("node-a"));
  relabelled.pods.erase(std::remove_if(relabelled.pods.begin(), relabelled.pods.end(),
                                       [](const auto& p) { return p.name == "web-4"; }),
                        relabelled.pods.end());
  relabelled.specs[0].target.selector.pods = {{"shop", {"web-6"}}};
  (void)sync_engine(engine, {relabelled});
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"remove " + name, "add " + name}));
  EXPECT_EQ(engine.running[0].owners, std::vector<std::string>{"pod-uid-6"});
  // A changed spec is reinstalled.
  engine.calls.clear();
  auto changed = fault(pods::PickMode::all, "");
  changed.spec.loss->loss = 80;
  (void)sync_engine(engine, {plan_node_fault(view_of(changed, pods), context("node-a"))});
  EXPECT_EQ(engine.calls, (std::vector<std::string>{"remove " + name, "add " + name}));
}

TEST(EngineSync, DeletionPauseAndExpiryRemoveAndPendingKeeps) {
  FakeEngine engine;
  auto f = fault(pods::PickMode::all, "");
  f.spec.action = crd::FaultAction::netem;
  f.spec.delay = crd::DelayFields{10'000'000, 0, 0, {}};
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a"))});
  ASSERT_EQ(engine.running.size(), 2u);
  // Lists not complete again (a relist): nothing removed.
  auto v = view_of(f, five_pods(0));
  v.pods_synced = false;
  engine.calls.clear();
  (void)sync_engine(engine, {plan_node_fault(v, context("node-a"))});
  EXPECT_TRUE(engine.calls.empty());
  // Paused: both removed.
  f.paused = true;
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a"))});
  EXPECT_TRUE(engine.running.empty());
  // Resumed, then expired: removed.
  f.paused = false;
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a"))});
  ASSERT_EQ(engine.running.size(), 2u);
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a", kCreated + 601))});
  EXPECT_TRUE(engine.running.empty());
  // Deleted (no plan for it any more): removed.
  (void)sync_engine(engine, {plan_node_fault(view_of(f, five_pods(0)), context("node-a"))});
  ASSERT_EQ(engine.running.size(), 2u);
  (void)sync_engine(engine, {});
  EXPECT_TRUE(engine.running.empty());
}

TEST(EngineSync, RestartCleanupRemovesUnknownNfFaultsAndKeepsOthers) {
  FakeEngine engine;
  chaos::FaultSpec stale;
  stale.name = "nf-bbbbbbbb-0000-0000-0000-000000000009";
  chaos::FaultSpec local;
  local.name = "my-local-fault";  // added through the control socket: not ours to remove
  engine.running = {{stale.name, stale, {"pod-uid-1"}}, {local.name, local, {}}};
  // The adopted fault of a listed object is kept (same shape: not reinstalled).
  auto plan = plan_node_fault(view_of(fault(pods::PickMode::all, ""), five_pods(0)), context("node-a"));
  engine.running.push_back({plan.specs[0].name, plan.specs[0], {"pod-uid-1", "pod-uid-4"}});
  auto out = sync_engine(engine, {plan});
  EXPECT_EQ(engine.calls, std::vector<std::string>{"remove " + stale.name});
  EXPECT_EQ(engine.running.size(), 2u);
  EXPECT_EQ(out.removed, 1u);
}
