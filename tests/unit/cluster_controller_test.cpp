// cluster/cluster_controller with fake watches (the test feeds each sink as
// a ListWatch would), a fake selection, a fake engine and a status
// recorder: what a node does as objects come, change and go.
#include "cluster/cluster_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

using namespace seismo;
using namespace seismo::cluster;
using nlohmann::json;

namespace {

const int64_t kNow =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

class FakeWatch : public WatchHandle {
 public:
  FakeWatch(pods::ListWatchSink& into, std::string collection, std::string selector, std::atomic<int>& alive)
      : sink(into), path(std::move(collection)), query(std::move(selector)), alive_(alive) {
    ++alive_;
  }
  ~FakeWatch() override { --alive_; }
  void start() override {}
  void stop() override {}
  pods::ListWatchCounters counters() const override { return {}; }

  pods::ListWatchSink& sink;
  std::string path, query;

 private:
  std::atomic<int>& alive_;
};

// A NetworkFault as the fake parser reads it: metadata plus a few spec fields.
Result<crd::NetworkFault> fake_parse(const json& o) {
  if (!o["spec"].contains("action")) return fail_errno(EINVAL, "spec.action: missing");
  crd::NetworkFault f;
  f.uid = o["metadata"]["uid"];
  f.name = o["metadata"]["name"];
  f.namespace_name = o["metadata"]["namespace"];
  f.generation = o["metadata"].value("generation", 1);
  f.created_unix = o["metadata"].value("created", kNow - 10);
  f.paused = o["metadata"].value("paused", false);
  f.spec.mode = pods::PickMode::all;
  f.spec.selector.namespaces = {"shop"};
  f.spec.selector.label_selectors = {{"app", o["spec"].value("app", "web")}};
  f.spec.loss = crd::LossFields{10, 0};
  f.spec.duration_ns = 3600ULL * 1'000'000'000;
  if (o["spec"].contains("guard")) f.spec.guard = o["spec"]["guard"];  // kept as written, as the parser does
  return f;
}

Selection fake_selection() {
  Selection s;
  s.parse = fake_parse;
  s.pick = [](const crd::NetworkFault&, pods::PickMode, const std::string&, std::vector<pods::Pod> c) { return c; };
  s.match = [](const pods::PodSelector& sel, const pods::Pod& p, const std::map<std::string, std::string>&) {
    for (const auto& [k, v] : sel.label_selectors) {
      auto it = p.labels.find(k);
      if (it == p.labels.end() || it->second != v) return false;
    }
    return true;
  };
  s.label_query = [](const pods::PodSelector& sel) { return "app=" + sel.label_selectors.begin()->second; };
  s.single_namespace = [](const pods::PodSelector& sel) { return sel.namespaces.at(0); };
  return s;
}

json fault_object(const std::string& uid, const std::string& name, json spec = {{"action", "loss"}}) {
  return {{"metadata", {{"uid", uid}, {"name", name}, {"namespace", "shop"}, {"resourceVersion", "1"}}},
          {"spec", std::move(spec)}};
}

// Pod uids are UUIDs (pod_from_json checks); one per test pod name.
std::string uid_of(const std::string& pod_name) {
  static const std::map<std::string, std::string> kUids = {{"web-1", "00000000-0000-0000-0000-000000000001"},
                                                           {"web-2", "00000000-0000-0000-0000-000000000002"},
                                                           {"web-3", "00000000-0000-0000-0000-000000000003"},
                                                           {"db-1", "00000000-0000-0000-0000-000000000004"}};
  return kUids.at(pod_name);
}

json pod_object(const std::string& name, const std::string& node, const std::string& app = "web") {
  return {{"metadata",
           {{"uid", uid_of(name)}, {"name", name}, {"namespace", "shop"}, {"resourceVersion", "1"},
            {"labels", {{"app", app}}}}},
          {"spec", {{"nodeName", node}}},
          {"status", {{"phase", "Running"}}}};
}

class FakeEngine : public EngineActions {
 public:
  mutable std::mutex mu;
  std::vector<chaos::FaultMembers> running;
  chaos::GuardReadout guard_readout;
  static constexpr uint64_t kStartNs = 5'000'000'000ULL;
  std::vector<chaos::FaultMembers> members() const override {
    std::lock_guard lock(mu);
    return running;
  }
  std::vector<chaos::FaultSample> samples() const override {
    std::lock_guard lock(mu);
    std::vector<chaos::FaultSample> out;
    for (const auto& m : running) {
      out.push_back({m.name, chaos::Action::loss, {7, 3, 0, 0, {}}, false});
      // The guard as the kernel side reads it back (a FaultCounterSource's GuardReadout).
      out.back().guard = m.spec.guard;
      out.back().counters.guard = guard_readout;
      out.back().start_mono_ns = kStartNs;
    }
    return out;
  }
  Result<void> add(chaos::FaultSpec spec) override {
    std::lock_guard lock(mu);
    chaos::FaultMembers m{spec.name, spec, {}};
    for (const auto& [ns, names] : spec.target.selector.pods) {
      for (const auto& n : names) m.owners.push_back(uid_of(n));
    }
    running.push_back(std::move(m));
    return {};
  }
  Result<void> remove(const std::string& name) override {
    std::lock_guard lock(mu);
    running.erase(std::remove_if(running.begin(), running.end(), [&](const auto& m) { return m.name == name; }),
                  running.end());
    return {};
  }
  Result<void> extend(const std::string& name, const std::vector<pods::Pod>& pods, const std::string&) override {
    std::lock_guard lock(mu);
    for (auto& m : running) {
      if (m.name == name) {
        for (const auto& p : pods) m.owners.push_back(p.uid);
      }
    }
    return {};
  }
  Result<void> set_peers(const std::string& name, const std::vector<chaos::Cidr>& peers) override {
    std::lock_guard lock(mu);
    for (auto& m : running) {
      if (m.name == name) m.spec.filter.cidrs = peers;
    }
    return {};
  }
  Result<void> retract(const std::string& name, const std::string& uid) override {
    std::lock_guard lock(mu);
    for (auto& m : running) {
      if (m.name == name) m.owners.erase(std::remove(m.owners.begin(), m.owners.end(), uid), m.owners.end());
    }
    return {};
  }
  std::size_t size() const {
    std::lock_guard lock(mu);
    return running.size();
  }
};

class Recorder : public StatusSink {
 public:
  std::mutex mu;
  std::map<std::string, NodeStatusEntry> entries;
  std::vector<std::string> forgotten;
  void offer(const std::string& uid, const NodeStatusEntry& e) override {
    std::lock_guard lock(mu);
    entries[uid] = e;
  }
  void forget(const std::string& uid) override {
    std::lock_guard lock(mu);
    entries.erase(uid);
    forgotten.push_back(uid);
  }
};

class ClusterControllerTest : public ::testing::Test {
 protected:
  void make(std::size_t max_faults = 64, std::chrono::milliseconds resync = std::chrono::milliseconds(1000)) {
    ClusterConfig cfg;
    cfg.node = "node-a";
    cfg.max_faults = max_faults;
    cfg.resync = resync;
    auto factory = [this](pods::ListWatchSink& sink, pods::ListWatchOptions o) -> Result<std::unique_ptr<WatchHandle>> {
      auto w = std::make_unique<FakeWatch>(sink, o.path, o.label_selector, alive_);
      std::lock_guard lock(mu_);
      watches_.push_back(w.get());
      return std::unique_ptr<WatchHandle>(std::move(w));
    };
    controller_ = std::make_unique<ClusterController>(cfg, fake_selection(), engine_, factory, recorder_);
    ASSERT_TRUE(controller_->start());
  }
  FakeWatch* watch(const std::string& path, const std::string& query = "") {
    std::lock_guard lock(mu_);
    for (auto it = watches_.rbegin(); it != watches_.rend(); ++it) {
      if ((*it)->path == path && (query.empty() || (*it)->query == query)) return *it;
    }
    return nullptr;
  }
  FakeWatch* faults() { return watch("/apis/seismo.dev/v1alpha1/networkfaults"); }
  void list_pods(const std::string& query, std::vector<json> pods) {
    auto* w = watch("/api/v1/namespaces/shop/pods", query);
    ASSERT_NE(w, nullptr) << query;
    w->sink.replace(std::move(pods));
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }

  std::mutex mu_;
  std::vector<FakeWatch*> watches_;
  std::atomic<int> alive_{0};
  FakeEngine engine_;
  Recorder recorder_;
  std::unique_ptr<ClusterController> controller_;
};

}  // namespace

TEST_F(ClusterControllerTest, NothingChangesBeforeTheFirstFaultListThenUnknownNfFaultsGo) {
  chaos::FaultSpec stale;
  stale.name = "nf-from-before-the-restart";
  engine_.running.push_back({stale.name, stale, {}});
  make();
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 1u);  // no list yet: kept
  faults()->sink.replace({});
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 0u);
  EXPECT_TRUE(controller_->counters().synced);
}

TEST_F(ClusterControllerTest, AFaultIsInjectedIntoThisNodesPodsAndStatusSaysSo) {
  make();
  faults()->sink.replace({fault_object("f1", "web-loss")});
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 0u);  // pod list not complete: pending, no status
  EXPECT_TRUE(recorder_.entries.empty());
  list_pods("app=web", {pod_object("web-1", "node-a"), pod_object("web-2", "node-b"), pod_object("db-1", "node-a", "db")});
  controller_->reconcile();
  ASSERT_EQ(engine_.size(), 1u);
  EXPECT_EQ(engine_.running[0].name, "nf-f1");
  EXPECT_EQ(engine_.running[0].owners, std::vector<std::string>{uid_of("web-1")});
  auto& e = recorder_.entries.at("f1");
  EXPECT_EQ(e.phase, NodePhase::injected);
  EXPECT_EQ(e.pods, std::vector<std::string>{"shop/web-1"});
  EXPECT_EQ(e.passed, 7u);
  EXPECT_EQ(e.dropped, 3u);
  EXPECT_EQ(controller_->counters().phases.at("Injected"), 1u);
  // A pod that starts later joins (mode all).
  watch("/api/v1/namespaces/shop/pods", "app=web")->sink.upsert(pod_object("web-3", "node-a"));
  controller_->reconcile();
  EXPECT_EQ(engine_.running[0].owners.size(), 2u);
  EXPECT_EQ(recorder_.entries.at("f1").pods, (std::vector<std::string>{"shop/web-1", "shop/web-3"}));
}

TEST_F(ClusterControllerTest, DeletionRemovesTheFaultAtTheEventNotAtTheResync) {
  // Model: a watch event wakes the pass at once; the resync is 60 s, so a
  // removal within the (generous, loaded-machine) 10 s below came from the event.
  make(64, std::chrono::milliseconds(60'000));
  auto deadline = [](auto cond) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cond() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return cond();
  };
  faults()->sink.replace({fault_object("f1", "web-loss")});
  ASSERT_TRUE(deadline([&] { return watch("/api/v1/namespaces/shop/pods") != nullptr; }));
  list_pods("app=web", {pod_object("web-1", "node-a")});
  ASSERT_TRUE(deadline([&] { return engine_.size() == 1; }));
  int watches_before = alive_.load();
  auto t0 = std::chrono::steady_clock::now();
  faults()->sink.erase(fault_object("f1", "web-loss"));
  ASSERT_TRUE(deadline([&] { return engine_.size() == 0; }));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::seconds(10));
  ASSERT_TRUE(deadline([&] { return alive_.load() == watches_before - 1; }));  // its pod watch stopped
  // The pass forgets the status slot after it drops the watches: waited for.
  EXPECT_TRUE(deadline([&] {
    std::lock_guard lock(recorder_.mu);
    return recorder_.forgotten == std::vector<std::string>{"f1"};
  }));
}

TEST_F(ClusterControllerTest, AnInvalidObjectIsFailedWithItsErrorAndTooManyAreRefused) {
  make(1);
  auto older = fault_object("f1", "first");
  older["metadata"]["created"] = kNow - 100;
  faults()->sink.replace({older, fault_object("f2", "second"), fault_object("f3", "bad", json::object())});
  controller_->reconcile();
  EXPECT_EQ(recorder_.entries.at("f3").phase, NodePhase::failed);
  EXPECT_NE(recorder_.entries.at("f3").message.find("spec.action"), std::string::npos);
  EXPECT_EQ(recorder_.entries.at("f2").phase, NodePhase::failed);
  EXPECT_NE(recorder_.entries.at("f2").message.find("too many"), std::string::npos);
  EXPECT_EQ(recorder_.entries.count("f1"), 0u);  // watched, its pod list pending
  EXPECT_EQ(controller_->counters().invalid, 1u);
}

TEST_F(ClusterControllerTest, PauseRemovesAndResumeReinstalls) {
  make();
  faults()->sink.replace({fault_object("f1", "web-loss")});
  controller_->reconcile();
  list_pods("app=web", {pod_object("web-1", "node-a")});
  controller_->reconcile();
  ASSERT_EQ(engine_.size(), 1u);
  auto paused = fault_object("f1", "web-loss");
  paused["metadata"]["paused"] = true;
  faults()->sink.upsert(paused);
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 0u);
  EXPECT_EQ(recorder_.entries.at("f1").phase, NodePhase::paused);
  EXPECT_EQ(recorder_.entries.at("f1").dropped, 3u);  // what it counted before the pause
  faults()->sink.upsert(fault_object("f1", "web-loss"));
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 1u);
  EXPECT_EQ(recorder_.entries.at("f1").phase, NodePhase::injected);
  // The reinstalled engine fault counts from 0 (the fake: 7 passed, 3
  // dropped per instance); the status goes on from what was counted before.
  EXPECT_EQ(recorder_.entries.at("f1").dropped, 6u);
  EXPECT_EQ(recorder_.entries.at("f1").passed, 14u);
}

// status.nodes grows with the nodes a fault touches, not with the cluster:
// a node that hosts none of the picked pods writes nothing, unless the pick
// is empty everywhere (then every node says NoTargets) or it has an entry
// already (a restarted node that spoke before keeps its entry current).
TEST_F(ClusterControllerTest, ANodeThatHostsNoPickedPodWritesNoEntry) {
  make();
  faults()->sink.replace({fault_object("f1", "elsewhere"), fault_object("f2", "nowhere", {{"action", "loss"}, {"app", "db"}})});
  controller_->reconcile();
  list_pods("app=web", {pod_object("web-2", "node-b")});
  list_pods("app=db", {});
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 0u);
  EXPECT_EQ(recorder_.entries.count("f1"), 0u) << "picked pods only on node-b";
  ASSERT_EQ(recorder_.entries.count("f2"), 1u) << "an empty pick is told by every node";
  EXPECT_EQ(recorder_.entries.at("f2").phase, NodePhase::no_targets);
  EXPECT_EQ(controller_->counters().phases.at("NoTargets"), 2u);

  // The object carries an entry of this node (written before a restart):
  // the node keeps it current.
  auto reported = fault_object("f1", "elsewhere");
  reported["status"] = {{"nodes", json::array({{{"node", "node-a"}, {"phase", "Injected"}}})}};
  faults()->sink.upsert(reported);
  controller_->reconcile();
  ASSERT_EQ(recorder_.entries.count("f1"), 1u);
  EXPECT_EQ(recorder_.entries.at("f1").phase, NodePhase::no_targets);
}

TEST_F(ClusterControllerTest, AGuardAbortIsPhaseAbortedWithItsReason) {
  make();
  faults()->sink.replace(
      {fault_object("f1", "web-loss", {{"action", "loss"}, {"guard", {{"tcpResets", 50}, {"window", "10s"}}}})});
  controller_->reconcile();
  list_pods("app=web", {pod_object("web-1", "node-a")});
  controller_->reconcile();
  ASSERT_EQ(engine_.size(), 1u);
  ASSERT_EQ(engine_.running[0].spec.guard.limits.size(), 1u) << "spec.guard reaches the engine's spec";
  EXPECT_EQ(engine_.running[0].spec.guard.limits[0], (chaos::GuardLimit{chaos::GuardBudget::tcp_resets, 50}));
  EXPECT_EQ(engine_.running[0].spec.guard.window_ns, 10'000'000'000ULL);
  EXPECT_EQ(recorder_.entries.at("f1").phase, NodePhase::injected) << "armed, not aborted yet";
  {
    std::lock_guard lock(engine_.mu);
    engine_.guard_readout.present = true;
    engine_.guard_readout.aborted_ns = FakeEngine::kStartNs + 3'200'000'000ULL;
    engine_.guard_readout.abort_budget = chaos::GuardBudget::tcp_resets;
    engine_.guard_readout.abort_count = 51;
  }
  controller_->reconcile();
  const auto& e = recorder_.entries.at("f1");
  EXPECT_EQ(e.phase, NodePhase::aborted);
  EXPECT_EQ(e.message, "aborted: tcp_resets 51 > 50 after 3.2 s");
  EXPECT_EQ(engine_.size(), 1u) << "an abort is not an end: the fault stays installed";
}

TEST_F(ClusterControllerTest, ABadGuardFailsTheObjectNamingTheField) {
  make();
  faults()->sink.replace({fault_object("f1", "web-loss", {{"action", "loss"}, {"guard", {{"tcpResets", -1}}}})});
  controller_->reconcile();
  list_pods("app=web", {pod_object("web-1", "node-a")});
  controller_->reconcile();
  EXPECT_EQ(engine_.size(), 0u);
  const auto& e = recorder_.entries.at("f1");
  EXPECT_EQ(e.phase, NodePhase::failed);
  EXPECT_NE(e.message.find("spec.guard.tcpResets: -1 is negative"), std::string::npos) << e.message;
}
