// PodWatcher against a scripted fake API server on 127.0.0.1.
#include "pods/pod_watcher.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "fake_kube_api.h"

using namespace seismo::pods;
using seismo::fakes::FakeKubeApi;
using seismo::fakes::WatchScript;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string uid_of(int n) { return "00000000-0000-4000-8000-" + fmt::format("{:012d}", n); }

json pod_json(int n, const std::string& rv, const std::string& app = "web") {
  return {{"kind", "Pod"},
          {"metadata",
           {{"uid", uid_of(n)}, {"name", "pod-" + std::to_string(n)}, {"namespace", "shop"},
            {"resourceVersion", rv}, {"labels", {{"app", app}}}}},
          {"spec", {{"nodeName", "node-a"}}},
          {"status",
           {{"containerStatuses",
             json::array({{{"name", "main"}, {"containerID", "containerd://" + std::string(63, 'a') + std::to_string(n % 10)}}})}}}};
}

std::string list_body(const std::string& rv, const std::vector<json>& pods) {
  return json{{"kind", "PodList"}, {"metadata", {{"resourceVersion", rv}}}, {"items", pods}}.dump();
}

std::string event(const std::string& type, const json& object) { return json{{"type", type}, {"object", object}}.dump(); }

std::string bookmark(const std::string& rv) {
  return event("BOOKMARK", {{"kind", "Pod"}, {"metadata", {{"resourceVersion", rv}}}});
}

// Watch scripts: stream the lines, then hold the stream open / end it
// cleanly / drop the connection; or answer with a non-200 status.
WatchScript held(std::vector<std::string> lines) {
  WatchScript s;
  s.lines = std::move(lines);
  s.hold_open = true;
  return s;
}
WatchScript closed(std::vector<std::string> lines) {
  WatchScript s;
  s.lines = std::move(lines);
  return s;
}
WatchScript dropped(std::vector<std::string> lines) {
  WatchScript s;
  s.lines = std::move(lines);
  s.drop = true;
  return s;
}
WatchScript stalled(std::vector<std::string> lines) {
  WatchScript s;
  s.lines = std::move(lines);
  s.stall = true;
  return s;
}
WatchScript status(int code, std::string body) {
  WatchScript s;
  s.status = code;
  s.body = std::move(body);
  return s;
}

class PodWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto api = FakeKubeApi::start();
    ASSERT_TRUE(api) << api.error().message();
    api_ = std::move(*api);
  }
  void TearDown() override {
    if (watcher_) watcher_->stop();
  }

  void start(PodWatcherOptions opts = {}) {
    KubeConfig cfg;
    cfg.server = api_->url();
    cfg.token = "test-token";
    auto client = KubeClient::create(cfg);
    ASSERT_TRUE(client);
    opts.node_name = "node-a";
    opts.backoff_initial = 2ms;
    opts.backoff_max = 20ms;
    opts.jitter = [] { return 1.0; };
    opts.sleep = [this](std::chrono::milliseconds d) {
      {
        std::lock_guard lock(sleeps_mu_);
        sleeps_.push_back(d);
      }
      std::this_thread::sleep_for(d);
    };
    auto w = PodWatcher::create(std::move(*client), store_, std::move(opts));
    ASSERT_TRUE(w) << w.error().message();
    watcher_ = std::move(*w);
    watcher_->start();
  }

  // Waits (bounded) for the store to hold exactly these pod names.
  bool wait_for_names(const std::vector<std::string>& want) {
    for (int i = 0; i < 2000; ++i) {
      if (names() == want) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& p : store_.snapshot()) out.push_back(p.name);
    return out;
  }
  void wait_for_watches(std::size_t n) {
    for (int i = 0; i < 2000 && api_->watch_requests() < n; ++i) std::this_thread::sleep_for(5ms);
  }

  std::unique_ptr<FakeKubeApi> api_;
  PodStore store_;
  std::unique_ptr<PodWatcher> watcher_;
  std::mutex sleeps_mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace

TEST_F(PodWatcherTest, InitialListFillsStoreAndWatchesFromItsVersion) {
  api_->push_list(200, list_body("100", {pod_json(1, "90"), pod_json(2, "95")}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-1", "pod-2"})) << ::testing::PrintToString(names());
  wait_for_watches(1);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(api_->list_requests(), 1u);
  EXPECT_EQ(api_->watch_requests(), 1u);
  EXPECT_EQ(api_->watch_resource_versions(), std::vector<std::string>{"100"});
  EXPECT_EQ(api_->field_selectors().front(), "spec.nodeName=node-a");
  EXPECT_EQ(api_->authorizations().front(), "Bearer test-token");
  EXPECT_TRUE(watcher_->synced());
  auto owner = store_.by_container_id(std::string(63, 'a') + "1");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->pod.name, "pod-1");
  EXPECT_EQ(owner->container.name, "main");
}

TEST_F(PodWatcherTest, AddedModifiedDeleted) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  api_->push_watch(held({event("ADDED", pod_json(2, "11")), event("MODIFIED", pod_json(1, "12", "api")),
                     event("ADDED", pod_json(3, "13")), event("DELETED", pod_json(2, "14"))}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-1", "pod-3"})) << ::testing::PrintToString(names());
  EXPECT_EQ(store_.by_uid(uid_of(1))->labels.at("app"), "api");
  EXPECT_FALSE(store_.by_uid(uid_of(2)));
  auto c = watcher_->counters();
  EXPECT_EQ(c.events, 4u);
  EXPECT_EQ(c.lists, 1u);
  EXPECT_EQ(c.malformed, 0u);
}

TEST_F(PodWatcherTest, BookmarkAdvancesResourceVersionForTheNextWatch) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  api_->push_watch(closed({bookmark("50")}));  // server ends the watch cleanly
  start();
  wait_for_watches(2);
  ASSERT_GE(api_->watch_resource_versions().size(), 2u);
  EXPECT_EQ(api_->watch_resource_versions()[0], "10");
  EXPECT_EQ(api_->watch_resource_versions()[1], "50");
  EXPECT_EQ(api_->list_requests(), 1u);  // a clean close resumes, it does not relist
  EXPECT_EQ(names(), std::vector<std::string>{"pod-1"});
}

TEST_F(PodWatcherTest, GoneEventRelistsAndDropsVanishedPods) {
  api_->push_list(200, list_body("10", {pod_json(1, "10"), pod_json(2, "10")}));
  api_->push_watch(held({event("ERROR", {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}})}));
  api_->push_list(200, list_body("20", {pod_json(2, "18"), pod_json(4, "19")}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-2", "pod-4"})) << ::testing::PrintToString(names());
  wait_for_watches(2);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(api_->list_requests(), 2u);
  EXPECT_EQ(api_->watch_resource_versions(), (std::vector<std::string>{"10", "20"}));
  EXPECT_EQ(watcher_->counters().relists, 1u);
}

TEST_F(PodWatcherTest, HttpGoneStatusRelists) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  api_->push_watch(status(410, R"({"kind":"Status","code":410})"));
  api_->push_list(200, list_body("30", {pod_json(5, "29")}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-5"})) << ::testing::PrintToString(names());
  wait_for_watches(2);
  EXPECT_EQ(api_->list_requests(), 2u);
}

TEST_F(PodWatcherTest, DroppedConnectionResumesFromLastVersionWithBackoff) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  api_->push_watch(dropped({event("ADDED", pod_json(2, "11"))}));  // dropped mid-stream
  api_->push_watch(dropped({}));                                    // dropped, nothing delivered
  api_->push_watch(held({event("ADDED", pod_json(3, "12"))}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-1", "pod-2", "pod-3"})) << ::testing::PrintToString(names());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(api_->list_requests(), 1u);
  EXPECT_EQ(api_->watch_resource_versions(), (std::vector<std::string>{"10", "11", "11"}));
  std::lock_guard lock(sleeps_mu_);
  ASSERT_GE(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0], 2ms);  // after a stream that delivered an event: reset
  EXPECT_EQ(sleeps_[1], 4ms);  // nothing delivered: grows
  EXPECT_GE(watcher_->counters().errors, 2u);
}

TEST_F(PodWatcherTest, MalformedLinesAreCountedAndSkipped) {
  api_->push_list(200, list_body("10", {}));
  json no_uid = pod_json(7, "12");
  no_uid["metadata"].erase("uid");
  api_->push_watch(held({"this is not json", R"({"type":"ADDED"})", event("ADDED", no_uid), R"({"type":"RESIZED","object":{}})",
                     event("ADDED", pod_json(2, "13"))}));
  start();
  ASSERT_TRUE(wait_for_names({"pod-2"})) << ::testing::PrintToString(names());
  auto c = watcher_->counters();
  EXPECT_EQ(c.malformed, 4u);
  EXPECT_EQ(c.events, 1u);
  EXPECT_EQ(api_->list_requests(), 1u);
  EXPECT_EQ(api_->watch_requests(), 1u);
}

TEST_F(PodWatcherTest, HugeObjectIsRejectedAndTheStreamContinues) {
  api_->push_list(200, list_body("10", {}));
  json huge = pod_json(8, "11");
  huge["metadata"]["annotations"] = {{"blob", std::string(200 * 1024, 'x')}};
  api_->push_watch(held({event("ADDED", huge), event("ADDED", pod_json(2, "12"))}));
  PodWatcherOptions opts;
  opts.max_object_bytes = 64 * 1024;
  start(opts);
  ASSERT_TRUE(wait_for_names({"pod-2"})) << ::testing::PrintToString(names());
  EXPECT_EQ(watcher_->counters().oversized, 1u);
  EXPECT_FALSE(store_.by_uid(uid_of(8)));
  EXPECT_EQ(api_->watch_requests(), 1u);
}

TEST_F(PodWatcherTest, ApiDownBacksOffExponentiallyNotTightly) {
  api_->push_list(500, R"({"kind":"Status","code":500})");
  start();
  for (int i = 0; i < 2000 && api_->list_requests() < 7; ++i) std::this_thread::sleep_for(5ms);
  watcher_->stop();
  EXPECT_GE(api_->list_requests(), 7u);
  EXPECT_EQ(api_->watch_requests(), 0u);
  EXPECT_FALSE(watcher_->synced());
  std::lock_guard lock(sleeps_mu_);
  // Every failed request is followed by a wait: never two requests back to back.
  EXPECT_GE(sleeps_.size() + 1, api_->list_requests());
  ASSERT_GE(sleeps_.size(), 6u);
  const std::vector<std::chrono::milliseconds> want{2ms, 4ms, 8ms, 16ms, 20ms, 20ms};
  EXPECT_EQ(std::vector<std::chrono::milliseconds>(sleeps_.begin(), sleeps_.begin() + 6), want);
}

TEST_F(PodWatcherTest, StopEndsAnIdleWatchPromptly) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  start();
  wait_for_watches(1);
  auto t0 = std::chrono::steady_clock::now();
  watcher_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(PodWatcherTest, StalledWatchIsCutAndRelists) {
  api_->push_list(200, list_body("10", {pod_json(1, "10")}));
  // The watch sends one event, then nothing ever again (the connection
  // stays up): without a low-speed limit the watcher would wait forever.
  api_->push_watch(stalled({event("ADDED", pod_json(2, "11"))}));
  PodWatcherOptions opts;
  opts.watch_idle_timeout = 1s;
  start(opts);
  ASSERT_TRUE(wait_for_names({"pod-1", "pod-2"}));
  // Meanwhile pod-3 was created; only a new list (or watch) can tell.
  api_->set_list(list_body("20", {pod_json(1, "10"), pod_json(2, "11"), pod_json(3, "20")}));
  // Model: libcurl aborts a transfer whose speed, averaged over its ~5 s
  // window, stays under 1 byte/s for idle_timeout (1 s): the cut comes
  // ~6-7 s after the last byte (measured 7.2 s). 30 s leaves room for a
  // loaded machine; without the limit it never comes.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && names().size() < 3) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(names(), (std::vector<std::string>{"pod-1", "pod-2", "pod-3"}));
  auto c = watcher_->counters();
  EXPECT_GE(c.stalled, 1u);
  EXPECT_GE(c.relists, 1u);
  EXPECT_GE(api_->list_requests(), 2u);
}

TEST(PodWatcherCreate, RejectsBadNodeName) {
  KubeConfig cfg;
  cfg.server = "http://127.0.0.1:1";
  PodStore store;
  PodWatcherOptions opts;
  auto w = PodWatcher::create(*KubeClient::create(cfg), store, opts);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("NODE_NAME"), std::string::npos);
  opts.node_name = "Node_A";
  EXPECT_FALSE(PodWatcher::create(*KubeClient::create(cfg), store, opts));
}
