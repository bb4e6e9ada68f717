// Pods end to end: seismod watching a fake API server whose pods are real
// network namespaces and kubelet-named cgroups on this machine. Metrics
// carry pod labels; pod-selected faults hit exactly the selected pods and
// follow pods that come and go; the watch stays cheap across 410s and drops.
// Exec attribution and top/trace by pod: pods_daemon_exec_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pods_daemon_fixture.h"

using namespace seismo;
using namespace seismo::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_F(PodsDaemon, MetricsCarryPodLabelsAndLoseThemWhenThePodIsDeleted) {
  auto& web = add_pod({"shop", "web-1", {{"app", "web"}}, 1, false}, false);
  start_daemon();
  ASSERT_EQ(web.run({"/bin/true"}), 0);
  ASSERT_TRUE(eventually([&] { return series_of("web-1") > 0; })) << daemon_->log();
  bool labelled = false;
  for (const auto& s : scrape())
    if (s.labels.count("pod") && s.labels.at("pod") == "web-1")
      labelled = s.labels.at("namespace") == "shop" && s.labels.at("container") == "app";
  EXPECT_TRUE(labelled);
  // A cgroup whose pod arrives later is attributed then (labels are computed
  // at scrape time), never dropped meanwhile: it keeps its path.
  FakePodOptions late{"shop", "late-1", {{"app", "late"}}, 2, false};
  auto late_pod = FakePod::create(*tree_, nullptr, late);
  ASSERT_TRUE(late_pod) << late_pod.error().message();
  ASSERT_EQ((*late_pod)->run({"/bin/true"}), 0);
  ASSERT_TRUE(eventually([&] {
    for (const auto& s : scrape())
      if (s.labels.count("cgroup") && s.labels.at("cgroup") == (*late_pod)->scope_path()) return true;
    return false;
  }));
  EXPECT_EQ(series_of("late-1"), 0u);
  pods_.push_back(std::move(*late_pod));
  ++rv_;
  publish_list();
  api_->push_event(json{{"type", "ADDED"}, {"object", pods_.back()->to_json(kNode, std::to_string(rv_))}}.dump());
  EXPECT_TRUE(eventually([&] { return series_of("late-1") > 0; }));

  // Deleted from the API: its pod series are gone by the next scrape.
  auto gone = delete_pod("web-1");
  EXPECT_TRUE(eventually([&] { return status()["pods"].value("known", 0) == 1; }));
  EXPECT_EQ(series_of("web-1"), 0u);
  EXPECT_GT(series_of("late-1"), 0u);
}

TEST_F(PodsDaemon, LabelSelectedLossHitsExactlyTheSelectedPodsAndFollowsThem) {
  add_pod({"shop", "web-a", {{"app", "web"}}, 1}, false);
  add_pod({"shop", "web-b", {{"app", "web"}}, 2}, false);
  add_pod({"shop", "db-a", {{"app", "db"}}, 3}, false);
  start_daemon();
  for (const auto& p : pods_) ASSERT_EQ(p->udp_received(*node_, 10), 10) << p->name();

  const std::string name = fmt::format("it-web-{}", ::getpid());
  auto added = run_cli(daemon_->socket(), {"fault", "add", "loss", "100%", "-n", "shop", "-l", "app=web", "--mode",
                                           "all", "--duration", "60s", "--name", name, "-o", "json"});
  ASSERT_EQ(added.status, 0) << added.out << daemon_->log();
  EXPECT_EQ(pod_names(fault(name)), (std::vector<std::string>{"shop/web-a", "shop/web-b"}));
  for (const auto& p : pods_) EXPECT_EQ(p->udp_received(*node_, 10), p->name() == "db-a" ? 10 : 0) << p->name();

  // The status (fault ls -o yaml) and `seismo pods` record the chosen pods.
  auto yaml = run_cli(daemon_->socket(), {"fault", "ls", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("shop/web-a"), std::string::npos) << yaml.out;
  auto listing = run_cli(daemon_->socket(), {"pods", "-n", "shop", "-l", "app=web", "-o", "json"});
  ASSERT_EQ(listing.status, 0) << listing.out;
  auto doc = json::parse(listing.out);
  ASSERT_EQ(doc["pods"].size(), 2u);
  for (const auto& p : doc["pods"]) {
    EXPECT_TRUE(p["host_veth"].is_string()) << p.dump();
    EXPECT_EQ(p["faults"], json::array({name}));
    EXPECT_EQ(p["cgroups"].size(), 2u);
  }

  // mode all: a matching pod that starts during the fault joins it.
  auto& web_c = add_pod({"shop", "web-c", {{"app", "web"}}, 4});
  EXPECT_TRUE(eventually([&] { return pod_names(fault(name)).size() == 3; })) << daemon_->log();
  EXPECT_EQ(web_c.udp_received(*node_, 10), 0);

  // A pod deleted during the fault leaves it cleanly; the others stay hit.
  auto gone = delete_pod("web-a");
  EXPECT_TRUE(eventually([&] {
    return pod_names(fault(name)) == std::vector<std::string>{"shop/web-b", "shop/web-c"};
  })) << daemon_->log();
  EXPECT_EQ(gone->udp_received(*node_, 10), 10);
  for (const auto& p : pods_) EXPECT_EQ(p->udp_received(*node_, 10), p->name() == "db-a" ? 10 : 0) << p->name();
  gone.reset();  // its netns and cgroups go, as kubelet would remove them

  ASSERT_EQ(run_cli(daemon_->socket(), {"fault", "rm", name}).status, 0);
  for (const auto& p : pods_) EXPECT_EQ(p->udp_received(*node_, 10), 10) << p->name();

  // fixed:1 takes exactly one of the matching pods.
  auto one = run_cli(daemon_->socket(), {"fault", "add", "loss", "100%", "-n", "shop", "-l", "app=web", "--mode",
                                         "fixed:1", "--duration", "60s", "--name", name + "-one"});
  ASSERT_EQ(one.status, 0) << one.out;
  EXPECT_EQ(pod_names(fault(name + "-one")).size(), 1u);
  int silent = 0;
  for (const auto& p : pods_) silent += p->udp_received(*node_, 5) == 0 ? 1 : 0;
  EXPECT_EQ(silent, 1);
  // Unknown selectors are refused with the field named.
  auto bad = run_cli(daemon_->socket(), {"fault", "add", "loss", "10%", "-l", "app in web", "--duration", "5s"});
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("selector.labelSelectors"), std::string::npos) << bad.out;
  auto none = run_cli(daemon_->socket(), {"fault", "add", "loss", "10%", "-n", "nowhere", "--duration", "5s"});
  EXPECT_NE(none.status, 0);
  EXPECT_NE(none.out.find("matches"), std::string::npos) << none.out;
  // Faults, pod events and `seismo pods` cost the API server nothing extra:
  // one list and one open watch for the whole test.
  std::cout << "[ measured ] API requests during the pod fault test: lists " << api_->list_requests() << ", watches "
            << api_->watch_requests() << "\n";
  EXPECT_EQ(api_->list_requests(), 1u);
  EXPECT_EQ(api_->watch_requests(), 1u);
}

TEST_F(PodsDaemon, AHostNetworkPodIsLeftOutByTheApisWordNotByComparingWithSeismodsNetns) {
  // In the DaemonSet seismod has a pod network of its own, so a hostNetwork
  // pod's processes sit in a netns that is not seismod's: only the API's
  // spec.hostNetwork tells. The fake pod stands for it with a netns of its
  // own, which the old comparison with seismod's netns took for a pod's.
  FakePodOptions host{"shop", "web-host", {{"app", "web"}}, 1};
  host.host_network = true;
  add_pod(host, false);
  add_pod({"shop", "web-pod", {{"app", "web"}}, 2}, false);
  start_daemon();
  const std::string name = fmt::format("it-hostnet-{}", ::getpid());
  auto added = run_cli(daemon_->socket(), {"fault", "add", "loss", "100%", "-n", "shop", "-l", "app=web", "--mode",
                                           "all", "--duration", "60s", "--name", name, "-o", "json"});
  ASSERT_EQ(added.status, 0) << added.out << daemon_->log();
  EXPECT_EQ(pod_names(fault(name)), (std::vector<std::string>{"shop/web-pod"}));
  for (const auto& p : pods_) EXPECT_EQ(p->udp_received(*node_, 10), p->name() == "web-host" ? 10 : 0) << p->name();
  auto listing = run_cli(daemon_->socket(), {"pods", "-n", "shop", "-o", "json"});
  ASSERT_EQ(listing.status, 0) << listing.out;
  for (const auto& p : json::parse(listing.out)["pods"]) {
    if (p["pod"] != "web-host") continue;
    EXPECT_TRUE(p["host_veth"].is_null()) << p.dump();
    EXPECT_NE(p.value("network_error", "").find("hostNetwork: true"), std::string::npos) << p.dump();
  }
  EXPECT_EQ(run_cli(daemon_->socket(), {"fault", "rm", name}).status, 0);
}

TEST_F(PodsDaemon, AStaticPodIsKnownThroughItsMirrorPodForMetricsAndFaults) {
  FakePodOptions etcd{"kube-system", "etcd-node", {{"component", "etcd"}}, 1};
  etcd.static_pod = true;
  auto& pod = add_pod(etcd, false);
  start_daemon();
  // Metrics: the cgroup's hash UID finds the mirror pod's name.
  ASSERT_EQ(pod.run({"/bin/true"}), 0);
  EXPECT_TRUE(eventually([&] { return series_of("etcd-node") > 0; })) << "no series names the static pod";
  // Faults: the selector picks the mirror pod, its cgroups are found by hash.
  const std::string name = fmt::format("it-static-{}", ::getpid());
  auto added = run_cli(daemon_->socket(), {"fault", "add", "loss", "100%", "-n", "kube-system", "-l",
                                           "component=etcd", "--duration", "60s", "--name", name, "-o", "json"});
  ASSERT_EQ(added.status, 0) << added.out << daemon_->log();
  EXPECT_EQ(pod_names(fault(name)), (std::vector<std::string>{"kube-system/etcd-node"}));
  EXPECT_EQ(pod.udp_received(*node_, 10), 0);
  EXPECT_EQ(run_cli(daemon_->socket(), {"fault", "rm", name}).status, 0);
  EXPECT_EQ(pod.udp_received(*node_, 10), 10);
}

TEST_F(PodsDaemon, WatchStaysBoundedAcross410DropsAndBadObjects) {
  add_pod({"shop", "web-a", {{"app", "web"}}, 1, false}, false);
  start_daemon();
  const size_t before = api_->list_requests() + api_->watch_requests();

  // The next watch is answered 410 Gone; the current one is dropped.
  api_->push_watch({410, {}, false, false, R"({"kind":"Status","code":410,"reason":"Expired"})"});
  api_->drop_streams();
  ASSERT_TRUE(eventually([&] { return api_->list_requests() >= 2; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  api_->drop_streams();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  // Bad input on the stream: skipped and counted, never fatal.
  api_->push_event("{not json");
  api_->push_event(R"({"type":"ADDED","object":{"metadata":{"uid":5}}})");
  api_->push_event(R"({"type":"ADDED","object":)" + std::string(3u << 20, ' ') + "{}}");
  std::this_thread::sleep_for(std::chrono::seconds(2));

  const size_t requests = api_->list_requests() + api_->watch_requests() - before;
  auto st = status();
  ASSERT_FALSE(st.contains("error")) << st.dump() << daemon_->log();
  std::cout << "[ measured ] API requests across a 410, two dropped connections and bad objects over ~7 s: "
            << requests << " (lists " << api_->list_requests() << ", watches " << api_->watch_requests()
            << "); watcher: " << st["pods"]["watch"].dump() << "\n";
  RecordProperty("api_requests", static_cast<int>(requests));
  EXPECT_LE(requests, 8u);  // relist + a few watches; a busy loop would be thousands
  EXPECT_GE(st["pods"]["watch"].value("relists", 0), 1);
  EXPECT_GE(st["pods"]["watch"].value("malformed", 0) + st["pods"]["watch"].value("oversized", 0), 2);
  EXPECT_EQ(st["pods"].value("known", 0), 1);
  // The same figures as metrics.
  auto samples = scrape();
  EXPECT_EQ(sum_samples(samples, "seismo_pods_api_requests_total", {{"kind", "list"}}),
            st["pods"]["watch"].value("lists", 0));
  EXPECT_EQ(sum_samples(samples, "seismo_pods_known", {}), 1);
  EXPECT_EQ(sum_samples(samples, "seismo_pods_watch_errors_total", {{"reason", "oversized"}}), 1);
}

TEST_F(PodsDaemon, RestartedDaemonAdoptsAPodFaultAndKeepsFollowingPods) {
  add_pod({"shop", "web-a", {{"app", "web"}}, 1}, false);
  add_pod({"shop", "web-b", {{"app", "web"}}, 2}, false);
  start_daemon();
  for (const auto& p : pods_) ASSERT_EQ(p->udp_received(*node_, 10), 10) << p->name();
  const std::string name = fmt::format("it-restart-{}", ::getpid());
  auto added = run_cli(daemon_->socket(), {"fault", "add", "loss", "100%", "-l", "app=web", "--duration", "60s",
                                           "--name", name});
  ASSERT_EQ(added.status, 0) << added.out;
  daemon_->kill_hard();  // no cleanup: the next daemon must adopt what is left
  daemon_.reset();
  for (const auto& p : pods_) EXPECT_EQ(p->udp_received(*node_, 10), 0) << p->name();
  start_daemon();
  EXPECT_EQ(pod_names(fault(name)), (std::vector<std::string>{"shop/web-a", "shop/web-b"})) << daemon_->log();
  auto gone = delete_pod("web-a");
  EXPECT_TRUE(eventually([&] { return pod_names(fault(name)) == std::vector<std::string>{"shop/web-b"}; }))
      << daemon_->log();
  EXPECT_EQ(gone->udp_received(*node_, 10), 10);
  EXPECT_EQ(pods_.front()->udp_received(*node_, 10), 0);
}

TEST(PodsConfig, PodLabelWithoutApiServerScrapesPodUidFromThePath) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tree = KubepodsTree::create();
  ASSERT_TRUE(tree) << tree.error().message();
  auto pod = FakePod::create(*tree, nullptr, {"shop", "solo", {{"app", "solo"}}, 0, false});
  ASSERT_TRUE(pod) << pod.error().message();
  // No --kubeconfig, no cluster: --pod-label has nothing to read labels
  // from. The first scrape used to crash seismod (no labeler at all).
  auto d = SeismodProcess::start({"--pod-label", "app", "--probes", "syscalls,exec", "--faults=false"});
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ((*pod)->run({"/bin/true"}), 0);
  std::map<std::string, std::string> labels;
  const bool found = eventually([&] {
    auto text = http_get(d->port(), "/metrics");
    if (!text) return false;
    for (const auto& s : parse_exposition(*text))
      if (s.labels.count("cgroup") && s.labels.at("cgroup") == (*pod)->scope_path()) {
        labels = s.labels;
        return true;
      }
    return false;
  });
  ASSERT_TRUE(found) << d->log();
  EXPECT_EQ(labels["pod_uid"], (*pod)->uid());
  EXPECT_EQ(labels["container_id"].size(), 64u);
  EXPECT_EQ(labels["pod"], "");
  EXPECT_EQ(labels.count("label_app"), 0u) << "ignored without an API server (logged)";
  EXPECT_NE(d->log().find("--pod-label ignored"), std::string::npos) << d->log();
  auto rc = d->stop();
  EXPECT_TRUE(rc && *rc == 0) << d->log();
}

TEST(PodsConfig, NodeNameWithoutApiServerIsAClearError) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto out = run_seismod({"--node-name", "n1", "--probes", "exec"});
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.output.find("--node-name n1: no Kubernetes API server"), std::string::npos) << out.output;
}
