// The daemon's PodWatcher against the stateful fake API server: the fake's
// list/watch/410 behave the way a real client expects (nothing scripted).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

#include "fake_kube_api.h"
#include "http_probe.h"
#include "pods/pod_watcher.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class PodWatcherStatefulTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto api = FakeKubeApi::start_stateful();
    ASSERT_TRUE(api) << api.error().message();
    api_ = std::move(*api);
    pods::KubeConfig cfg;
    cfg.server = api_->url();
    auto client = pods::KubeClient::create(cfg);
    ASSERT_TRUE(client);
    pods::PodWatcherOptions opts;
    opts.node_name = "node-a";
    opts.backoff_initial = 2ms;
    opts.backoff_max = 20ms;
    opts.jitter = [] { return 1.0; };
    auto w = pods::PodWatcher::create(std::move(*client), store_, std::move(opts));
    ASSERT_TRUE(w) << w.error().message();
    watcher_ = std::move(*w);
  }
  void TearDown() override {
    if (watcher_) watcher_->stop();
  }

  void add(const std::string& name, const std::string& node, int n) {
    json pod{{"metadata", {{"name", name}, {"namespace", "shop"}, {"labels", {{"app", "web"}}}}},
             {"spec", {{"nodeName", node}}},
             {"status",
              {{"containerStatuses",
                json::array({{{"name", "main"},
                              {"containerID", "containerd://" + std::string(63, 'b') + std::to_string(n)}}})}}}};
    ASSERT_EQ(http_call("POST", api_->url() + "/api/v1/namespaces/shop/pods", pod.dump()).status, 201);
  }
  void remove(const std::string& name) {
    ASSERT_EQ(http_call("DELETE", api_->url() + "/api/v1/namespaces/shop/pods/" + name).status, 200);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& p : store_.snapshot()) out.push_back(p.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  bool wait_for_names(const std::vector<std::string>& want) const {
    for (int i = 0; i < 2000; ++i) {  // up to 10 s
      if (names() == want) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::unique_ptr<FakeKubeApi> api_;
  pods::PodStore store_;
  std::unique_ptr<pods::PodWatcher> watcher_;
};

TEST_F(PodWatcherStatefulTest, FollowsItsNodesPodsThroughTheFieldSelector) {
  add("a1", "node-a", 1);
  add("b1", "node-b", 2);
  watcher_->start();
  ASSERT_TRUE(wait_for_names({"a1"})) << ::testing::PrintToString(names());
  add("a2", "node-a", 3);
  add("b2", "node-b", 4);
  ASSERT_TRUE(wait_for_names({"a1", "a2"})) << ::testing::PrintToString(names());
  remove("a1");
  ASSERT_TRUE(wait_for_names({"a2"})) << ::testing::PrintToString(names());
  EXPECT_EQ(watcher_->counters().relists, 0u);
}

TEST_F(PodWatcherStatefulTest, RelistsAfterTheServerForgotItsResourceVersion) {
  add("a1", "node-a", 1);
  watcher_->start();
  ASSERT_TRUE(wait_for_names({"a1"}));
  for (int i = 0; i < 2000 && api_->faults().open_watches() < 1; ++i) std::this_thread::sleep_for(5ms);
  // While the watch is down: changes, then compaction past its RV.
  api_->faults().set_stall(true);
  remove("a1");
  add("a2", "node-a", 2);
  api_->store().compact();
  api_->faults().set_stall(false);
  api_->faults().drop_watches();  // it comes back from its old RV: 410
  ASSERT_TRUE(wait_for_names({"a2"})) << ::testing::PrintToString(names());
  EXPECT_GE(watcher_->counters().relists, 1u);
  auto log = api_->faults().requests();
  EXPECT_GE(
      std::count_if(log.begin(), log.end(), [](const std::string& l) { return l.find("watch") == std::string::npos; }),
      2);
}

TEST_F(PodWatcherStatefulTest, ListsInPages) {
  // 5 pods here and 2 elsewhere, pages of 2: the field selector filters on
  // the server, so 5 pods come in 3 pages (2 + 2 + 1).
  for (int i = 0; i < 5; ++i) add("a" + std::to_string(i), "node-a", i);
  add("b1", "node-b", 7);
  add("b2", "node-b", 8);
  pods::KubeConfig cfg;
  cfg.server = api_->url();
  pods::PodWatcherOptions opts;
  opts.node_name = "node-a";
  opts.page_size = 2;
  auto w = pods::PodWatcher::create(*pods::KubeClient::create(cfg), store_, std::move(opts));
  ASSERT_TRUE(w) << w.error().message();
  watcher_ = std::move(*w);
  watcher_->start();
  ASSERT_TRUE(wait_for_names({"a0", "a1", "a2", "a3", "a4"})) << ::testing::PrintToString(names());
  auto log = api_->faults().requests();
  std::vector<std::string> lists;
  std::copy_if(log.begin(), log.end(), std::back_inserter(lists),
               [](const std::string& l) { return l.starts_with("GET ") && l.find("watch") == std::string::npos; });
  ASSERT_EQ(lists.size(), 3u) << ::testing::PrintToString(lists);
  for (const auto& l : lists) {
    EXPECT_NE(l.find("limit=2"), std::string::npos) << l;
    EXPECT_NE(l.find("fieldSelector=spec.nodeName=node-a"), std::string::npos) << l;
  }
  auto c = watcher_->counters();
  EXPECT_EQ(c.lists, 1u);
  EXPECT_EQ(c.requests, 3u + c.watches);
}

}  // namespace
}  // namespace seismo::fakes
