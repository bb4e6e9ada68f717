// Pods end to end (pods_daemon_fixture.h): exec events attributed to the
// right pod while pods come and go, and top/trace filtered by pod in the
// daemon.
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

TEST_F(PodsDaemon, ExecAttributionUnderPodChurn) {
  start_daemon();
  std::atomic<bool> stop{false};
  // The pod's first process (its "sleep", like a pause container) has
  // exec'd before the API announces the pod; the rest run after it is announced.
  std::atomic<size_t> in_pods{0}, attributed{0}, first_seen{0}, first_attributed{0}, uid_ok{0};
  std::mutex uids_mu;
  std::map<std::string, std::string> uid_of_pod;  // name -> UID, for the check below
  const std::string prefix = tree_->qos_dir();
  std::thread reader([&] {
    auto c = api::Client::connect(daemon_->socket());
    if (!c) return;
    (void)c->stream(
        "trace.exec", json::object(),
        [&](const json& ev) {
          const auto& cg = ev["cgroup"];
          if (cg.is_string() && cg.get_ref<const std::string&>().rfind(prefix, 0) == 0) {
            const bool first = ev.value("comm", "") == "sleep";
            ++(first ? first_seen : in_pods);
            if (ev.contains("pod")) {
              ++(first ? first_attributed : attributed);
              std::lock_guard lock(uids_mu);
              if (ev["pod_uid"].is_string() && uid_of_pod[ev.value("pod", "")] == ev["pod_uid"]) ++uid_ok;
            }
          }
          return true;
        },
        [&] { return stop.load(); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscribed
  const size_t requests_before = api_->list_requests() + api_->watch_requests();
  constexpr int kPods = 20, kExecs = 10;
  for (int i = 0; i < kPods; ++i) {
    // The API announces the pod as its containers start, as kubelet reports it.
    auto& pod = add_pod({"churn", fmt::format("job-{}", i), {{"app", "job"}}, 0, false});
    {
      std::lock_guard lock(uids_mu);
      uid_of_pod[pod.name()] = pod.uid();
    }
    for (int e = 0; e < kExecs; ++e) pod.run({"/bin/true"});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto gone = delete_pod(pod.name());  // then its cgroups go, as kubelet removes them
  }
  const bool all_seen = eventually(
      [&] { return in_pods.load() >= kPods * kExecs && first_seen.load() >= kPods; }, std::chrono::seconds(20));
  stop = true;
  reader.join();
  const double rate = static_cast<double>(attributed.load()) / static_cast<double>(std::max<size_t>(in_pods, 1));
  const double first_rate =
      static_cast<double>(first_attributed.load()) / static_cast<double>(std::max<size_t>(first_seen, 1));
  const size_t requests = api_->list_requests() + api_->watch_requests() - requests_before;
  const auto hold = status()["trace_hold"];
  std::cout << fmt::format("[ measured ] exec events in churned pods after the pod was announced: {}, attributed: {} "
                           "({:.1f}%); first process of each pod (exec before the API knew the pod): {}, attributed: "
                           "{} ({:.1f}%); hold: {}; API requests during {} pod add/delete cycles: {}\n",
                           in_pods.load(), attributed.load(), 100 * rate, first_seen.load(), first_attributed.load(),
                           100 * first_rate, hold.dump(), kPods, requests);
  RecordProperty("exec_attribution_percent", static_cast<int>(100 * rate));
  RecordProperty("first_exec_attribution_percent", static_cast<int>(100 * first_rate));
  ASSERT_TRUE(all_seen) << "execs seen " << in_pods << "/" << kPods * kExecs << ", first " << first_seen << "/"
                        << kPods << "\n" << daemon_->log();
  // Model: an exec event gets its cgroup path and pod UID when seismod reads
  // it (within milliseconds; the cgroup lives ≥ 100 ms more) and its pod
  // from the store then; a pod the store does not know yet is held until
  // the watch delivers it, at most 1 s. The fake API server streams an
  // event within ~5 ms and seismod applies it at once, so on a loaded
  // 2-core machine every event should be attributed, the first execs (all
  // of which beat the watch) included; only a > 1 s stall of the watch
  // thread can lose one. 99% allows 2 of 200 such stalls, 95% one of 20.
  // (Attributed when sent instead, the first execs were 0 of 20 and the
  // rest 76-83%.)
  EXPECT_GE(rate, 0.99);
  EXPECT_GE(first_rate, 0.95);
  EXPECT_EQ(uid_ok.load(), attributed.load() + first_attributed.load()) << "pod_uid matches the joined pod";
  EXPECT_GE(hold.value("held", 0), 1) << "first execs wait for their pod";
  EXPECT_EQ(hold.value("overflow", -1), 0);
  EXPECT_LE(requests, 2u);  // events arrive on the one open watch
}

TEST_F(PodsDaemon, TopAndTraceFilterByPodInTheDaemon) {
  auto& web = add_pod({"shop", "web-1", {{"app", "web"}}, 1, false}, false);
  auto& db = add_pod({"shop", "db-1", {{"app", "db"}}, 2, false}, false);
  start_daemon();
  std::atomic<bool> stop{false};
  std::vector<json> events;
  std::mutex mu;
  std::thread reader([&] {
    auto c = api::Client::connect(daemon_->socket());
    if (!c) return;
    (void)c->stream(
        "trace.exec", {{"namespace", "shop"}, {"selector", "app=web"}},
        [&](const json& ev) {
          std::lock_guard lock(mu);
          events.push_back(ev);
          return true;
        },
        [&] { return stop.load(); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(web.run({"/bin/true"}), 0);
    ASSERT_EQ(db.run({"/bin/true"}), 0);
  }
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return events.size() >= 3;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  reader.join();
  for (const auto& ev : events) {
    EXPECT_EQ(ev.value("pod", ""), "web-1") << ev.dump();
    EXPECT_EQ(ev.value("container", ""), "app") << ev.dump();
  }
  // top: the same filter, rows carry the pod.
  auto top = call("top", {{"pod", "db-1"}});
  ASSERT_TRUE(top.contains("cgroups")) << top.dump();
  ASSERT_FALSE(top["cgroups"].empty());
  for (const auto& row : top["cgroups"]) EXPECT_EQ(row.value("pod", ""), "db-1") << row.dump();
  auto cli = run_cli(daemon_->socket(), {"top", "-n", "shop", "-l", "app=web", "-o", "json", "-i", "0.2"});
  EXPECT_EQ(cli.status, 0) << cli.out;
  EXPECT_NE(cli.out.find("shop/web-1"), std::string::npos) << cli.out;
  EXPECT_EQ(cli.out.find("db-1"), std::string::npos) << cli.out;
  auto bad = call("top", {{"selector", "app in x"}});
  EXPECT_NE(bad.value("error", "").find("selector"), std::string::npos) << bad.dump();
}
