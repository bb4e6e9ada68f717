// Cluster mode's `target` and pause (issue 14, docs/cluster.md), three
// seismods against one fake API server as in cluster_test. The truth is read
// from traffic: pods send numbered UDP datagrams to other pods' IPs (the
// node namespace routes between them), and a `loss: 100` fault drops every
// datagram it covers, so "hit" is exact (0 of 3 delivered) and "not hit" too
// (3 of 3).
//
// Pods: node a: web-a, db-a; node b: web-b, cache-b; node c: web-c, db-c.
// The faults select app=web; the target selects app=db (2 pods, within the
// engine's 4 peers per fault).
//
// Timing: every wait is a deadline on a condition, 30 s to converge (a new
// engine fault takes 0.6 to 2.5 s to install on this loaded 2-core machine,
// docs/cluster.md); what is bounded beyond that states its model where it
// is checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "cluster_fixture.h"
#include "support/cluster_lab_test.h"

namespace seismo::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
const json kDbSelector = {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "db"}}}};
constexpr const char* kPaused = "seismo.dev/paused";

// Datagrams from one pod to another's IP.
struct Path {
  std::string name;  // "web-a -> db-c"
  PodProbe probe;
};

class ClusterTargetTest : public ClusterLabTest {
 protected:
  void SetUp() override {
    ClusterLabTest::SetUp();
    if (!lab_) return;
    const std::vector<std::pair<std::size_t, std::string>> layout = {
        {0, "web-a"}, {0, "db-a"}, {1, "web-b"}, {1, "cache-b"}, {2, "web-c"}, {2, "db-c"}};
    for (const auto& [node, name] : layout) {
      auto p = lab_->add_pod(node, name, {{"app", name.substr(0, name.find('-'))}});
      ASSERT_TRUE(p) << p.error().message();
    }
    for (std::size_t n = 0; n < lab_->node_count(); ++n) {
      auto r = lab_->start_node(n);
      ASSERT_TRUE(r) << r.error().message();
    }
  }
  void TearDown() override {
    paths_.clear();  // the probes' sockets before the pods they live in
    ClusterLabTest::TearDown();
  }

  ClusterPod* pod(const std::string& name) const {
    ClusterPod* p = lab_->pod(name);
    EXPECT_NE(p, nullptr) << name;
    return p;
  }
  void add_path(const std::string& from, const std::string& to) {
    auto probe = lab_->probe_between(*pod(from), *pod(to));
    ASSERT_TRUE(probe) << probe.error().message();
    paths_.push_back({from + " -> " + to, std::move(*probe)});
  }
  // Every web pod to `to`.
  void add_paths_to(const std::string& to) {
    for (const char* web : {"web-a", "web-b", "web-c"}) add_path(web, to);
  }
  void drop_paths_to(const std::string& to) {
    std::erase_if(paths_, [&](const Path& p) { return p.name.ends_with(" -> " + to); });
  }
  // The paths none of whose datagrams arrived, sorted.
  std::vector<std::string> blocked() {
    std::vector<std::string> out;
    for (auto& p : paths_)
      if (p.probe.delivered(3) == 0) out.push_back(p.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> webs_to(const std::vector<std::string>& targets) {
    std::vector<std::string> out;
    for (const auto& t : targets)
      for (const char* web : {"web-a", "web-b", "web-c"}) out.push_back(std::string(web) + " -> " + t);
    std::sort(out.begin(), out.end());
    return out;
  }

  // Every node (each hosts one web pod) has an entry in `phase`.
  bool every_entry_is(const std::string& name, const std::string& phase) const {
    const json f = fault_now(name);
    for (std::size_t n = 0; n < lab_->node_count(); ++n) {
      const json e = ClusterLab::node_entry(f, lab_->node_name(n));
      if (!e.is_object() || e.value("phase", "") != phase) return false;
    }
    return true;
  }
  // Each node's entry's counters.dropped (-1 when it has none).
  std::vector<int64_t> dropped_by_node(const std::string& name) const {
    const json f = fault_now(name);
    std::vector<int64_t> out;
    for (std::size_t n = 0; n < lab_->node_count(); ++n)
      out.push_back(entry_counter(ClusterLab::node_entry(f, lab_->node_name(n)), "dropped"));
    return out;
  }
  // The peers (spec.filter.cidrs) of node n's engine fault `engine_name`, sorted; nullopt when it has none.
  std::optional<std::vector<std::string>> engine_peers(std::size_t n, const std::string& engine_name) const {
    const json listed = lab_->call(n, "fault.ls");
    if (!listed.contains("faults")) return std::nullopt;
    for (const auto& f : listed["faults"]) {
      if (f.value("name", "") != engine_name) continue;
      std::vector<std::string> out;
      const json& filter = f["spec"].contains("filter") ? f["spec"]["filter"] : json::object();
      for (const auto& c : filter.value("cidrs", json::array())) out.push_back(c.get<std::string>());
      std::sort(out.begin(), out.end());
      return out;
    }
    return std::nullopt;
  }
  std::vector<std::string> host_routes(const std::vector<std::string>& pod_names) const {
    std::vector<std::string> out;
    for (const auto& n : pod_names) out.push_back(pod(n)->sandbox->pod_ip() + "/32");
    std::sort(out.begin(), out.end());
    return out;
  }

  // What one node adds to the object (docs/cluster.md, Limits: the object
  // size bound is computed from these): its status.nodes entry and its
  // field manager's managedFields record, as compact JSON (etcd stores a
  // custom resource as JSON).
  void report_status_size(const json& fault) const {
    const json entry = ClusterLab::node_entry(fault, lab_->node_name(0));
    std::size_t managed = 0;
    for (const auto& m : fault["metadata"].value("managedFields", json::array()))
      if (m.value("manager", "") == "seismo-node-" + lab_->node_name(0)) managed = m.dump().size();
    std::cout << "[ measured ] node name " << lab_->node_name(0).size() << " chars, 1 pod: status.nodes entry "
              << entry.dump().size() << " B, managedFields record " << managed << " B, whole object "
              << fault.dump().size() << " B (3 nodes)\n";
    RecordProperty("entry_bytes", static_cast<int>(entry.dump().size()));
    RecordProperty("managed_fields_bytes", static_cast<int>(managed));
  }

  json create_target_fault(const std::string& name) {
    json object = ClusterLab::loss_fault("shop", name, kWebSelector, "all", "", "10m");
    object["spec"]["target"] = {{"mode", "all"}, {"selector", kDbSelector}};
    auto f = lab_->create_fault(object);
    EXPECT_TRUE(f) << f.error().message();
    return f ? *f : json(nullptr);
  }

  std::vector<Path> paths_;
};

TEST_F(ClusterTargetTest, ATargetLimitsTheFaultToTrafficBetweenTheSelectedPodsAndTheTargetsPods) {
  add_paths_to("db-a");
  add_paths_to("db-c");
  add_paths_to("cache-b");  // same selected pods, a pod that is not the target's
  add_path("db-a", "web-b");  // the target's traffic to a selected pod: ingress, and the fault is `to`
  ASSERT_TRUE(blocked().empty()) << "no fault yet: every path passes";
  const json created = create_target_fault("web-db");
  ASSERT_TRUE(created.is_object());
  const auto want = webs_to({"db-a", "db-c"});
  EXPECT_TRUE(wait_until([&] { return blocked() == want; }, kConverge))
      << "blocked " << ::testing::PrintToString(blocked()) << ", want " << ::testing::PrintToString(want)
      << describe("web-db");
  // The selected pods' other egress (to their node side) passes too.
  EXPECT_EQ(lab_->silenced(), std::vector<std::string>{});

  // Each node: its web pod Injected, drops counted; its engine fault's
  // peers are exactly the target pods' IPs.
  EXPECT_TRUE(wait_until(
      [&] {
        (void)blocked();  // keeps traffic flowing into the filters
        if (!every_entry_is("web-db", "Injected")) return false;
        for (int64_t d : dropped_by_node("web-db"))
          if (d <= 0) return false;
        return true;
      },
      kConverge))
      << describe("web-db");
  const std::string engine_name = "nf-" + created["metadata"]["uid"].get<std::string>();
  report_status_size(fault_now("web-db"));
  for (std::size_t n = 0; n < lab_->node_count(); ++n) {
    EXPECT_EQ(entry_pods(ClusterLab::node_entry(fault_now("web-db"), lab_->node_name(n))),
              std::vector<std::string>{"shop/web-" + std::string(1, static_cast<char>('a' + n))});
    EXPECT_EQ(engine_peers(n, engine_name), host_routes({"db-a", "db-c"})) << lab_->node_log(n);
  }
}

TEST_F(ClusterTargetTest, TheTargetIsKeptCurrentAReplacedTargetPodsNewIpIsHitAndTheOldOneLeavesTheFilter) {
  add_paths_to("db-c");
  add_paths_to("cache-b");
  const json created = create_target_fault("follow");
  ASSERT_TRUE(created.is_object());
  const std::string engine_name = "nf-" + created["metadata"]["uid"].get<std::string>();
  const std::string old_ip = pod("db-a")->sandbox->pod_ip() + "/32";
  ASSERT_TRUE(wait_until([&] { return blocked() == webs_to({"db-c"}); }, kConverge)) << describe("follow");
  ASSERT_TRUE(wait_until(
      [&] {
        (void)blocked();
        if (!every_entry_is("follow", "Injected")) return false;
        for (int64_t d : dropped_by_node("follow"))
          if (d <= 0) return false;
        return true;
      },
      kConverge))
      << describe("follow");
  const auto dropped_before = dropped_by_node("follow");

  // db-a goes (Pod deleted, then its sandbox) and a replacement comes up
  // on the same node under a new IP, as a Deployment's would.
  ASSERT_TRUE(lab_->delete_pod("shop", "db-a"));
  auto replacement = lab_->add_pod(0, "db-a2", {{"app", "db"}});
  ASSERT_TRUE(replacement) << replacement.error().message();
  ASSERT_NE((*replacement)->sandbox->pod_ip() + "/32", old_ip);
  const auto t0 = PodProbe::Clock::now();
  add_paths_to("db-a2");
  std::vector<PodProbe*> to_new;
  for (auto& p : paths_)
    if (p.name.ends_with("-> db-a2")) to_new.push_back(&p.probe);
  // Model: the Pod's MODIFIED event (Running, podIP) wakes every node's
  // pass at once; the target IP changed, so the engine fault is removed and
  // installed again with the new peers (docs/cluster.md: a changed spec is
  // reinstalled), which is the engine's install time (0.6 to 2.5 s here).
  const auto hit = wait_for_traffic(to_new, false, t0, kConverge);
  for (std::size_t i = 0; i < hit.size(); ++i) {
    ASSERT_TRUE(hit[i].has_value()) << "web -> db-a2 path " << i << " never dropped\n" << describe("follow");
    std::cout << "[ measured ] replacement target up -> its traffic dropped: " << *hit[i] * 1e3 << " ms\n";
  }
  EXPECT_TRUE(wait_until([&] { return blocked() == webs_to({"db-a2", "db-c"}); }, kConverge))
      << "blocked " << ::testing::PrintToString(blocked()) << describe("follow");
  for (std::size_t n = 0; n < lab_->node_count(); ++n) {
    EXPECT_TRUE(wait_until([&] { return engine_peers(n, engine_name) == host_routes({"db-a2", "db-c"}); }, kConverge))
        << lab_->node_name(n) << " peers " << ::testing::PrintToString(engine_peers(n, engine_name)) << ", old "
        << old_ip << "\n"
        << lab_->node_log(n);
  }
  // What a user reads: still Injected everywhere, and the counters went on
  // from where they were (the reinstall does not start them again at 0).
  EXPECT_TRUE(every_entry_is("follow", "Injected")) << describe("follow");
  const auto dropped_after = dropped_by_node("follow");
  for (std::size_t n = 0; n < dropped_after.size(); ++n)
    EXPECT_GE(dropped_after[n], dropped_before[n]) << lab_->node_name(n) << describe("follow");
}

TEST_F(ClusterTargetTest, PausingStopsTheFaultOnEveryNodeAndResumingRunsTheRestOfItsDuration) {
  auto created = lab_->create_fault(ClusterLab::loss_fault("shop", "pausable", kWebSelector, "all", "", "10m"));
  ASSERT_TRUE(created) << created.error().message();
  const std::vector<std::string> web = {"shop/web-a", "shop/web-b", "shop/web-c"};
  ASSERT_TRUE(wait_until([&] { return lab_->silenced() == web; }, kConverge)) << describe("pausable");
  ASSERT_TRUE(wait_until(
      [&] {
        (void)lab_->silenced();
        if (!every_entry_is("pausable", "Injected")) return false;
        for (int64_t d : dropped_by_node("pausable"))
          if (d <= 0) return false;
        return true;
      },
      kConverge))
      << describe("pausable");

  // `kubectl annotate nf pausable seismo.dev/paused=true`
  auto paused = lab_->patch_fault("shop", "pausable", {{"metadata", {{"annotations", {{kPaused, "true"}}}}}});
  ASSERT_TRUE(paused) << paused.error().message();
  EXPECT_TRUE(wait_until([&] { return every_entry_is("pausable", "Paused"); }, kConverge)) << describe("pausable");
  EXPECT_TRUE(wait_until([&] { return lab_->silenced().empty(); }, kConverge)) << describe("pausable");
  for (std::size_t n = 0; n < lab_->node_count(); ++n)
    EXPECT_TRUE(wait_until([&] { return lab_->engine_faults(n).empty(); }, kConverge)) << lab_->node_log(n);
  const auto dropped_paused = dropped_by_node("pausable");
  for (int64_t d : dropped_paused) EXPECT_GT(d, 0) << "a paused entry keeps what was counted\n" << describe("pausable");

  // `kubectl annotate nf pausable seismo.dev/paused-`: the annotation removed.
  auto resumed = lab_->patch_fault("shop", "pausable", {{"metadata", {{"annotations", {{kPaused, nullptr}}}}}});
  ASSERT_TRUE(resumed) << resumed.error().message();
  // No traffic is sent until every entry says Injected again, so the
  // counters read then are what the node carried over, not new drops.
  EXPECT_TRUE(wait_until([&] { return every_entry_is("pausable", "Injected"); }, kConverge)) << describe("pausable");
  const auto dropped_resumed = dropped_by_node("pausable");
  for (std::size_t n = 0; n < dropped_resumed.size(); ++n)
    EXPECT_GE(dropped_resumed[n], dropped_paused[n])
        << lab_->node_name(n) << ": counters went back after the resume\n"
        << describe("pausable");
  EXPECT_TRUE(wait_until([&] { return lab_->silenced() == web; }, kConverge)) << describe("pausable");

  // The rest of the duration, not a new one. Model: a node installs with
  // what is left until creationTimestamp + 10m (whole seconds, so never
  // later than the real end) and the engine counts it down on the
  // monotonic clock; 0.5 s is allowed for converting between the clocks.
  // A resume that restarted the duration would show ~600 s, more than
  // the bound once 1.5 s have passed since the creation (checked first).
  const int64_t end_unix = created_unix(*created) + 600;
  const std::string engine_name = "nf-" + (*created)["metadata"]["uid"].get<std::string>();
  for (std::size_t n = 0; n < lab_->node_count(); ++n) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    ASSERT_GT(now - static_cast<double>(created_unix(*created)), 1.5);
    double expires_in = -1;
    for (const auto& f : lab_->call(n, "fault.ls").value("faults", json::array()))
      if (f.value("name", "") == engine_name) expires_in = f.value("expires_in_seconds", -1.0);
    EXPECT_GT(expires_in, 0) << lab_->node_log(n);
    EXPECT_LE(expires_in, static_cast<double>(end_unix) - now + 0.5) << lab_->node_name(n);
  }
}

}  // namespace
}  // namespace seismo::testing
