// ListWatch and list_all against the stateful fake API server: pagination,
// an expired continue token, 410 on watch, bookmarks, label-selected lists
// across namespaces and nodes.
#include "pods/list_watch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "fake_kube_fixture.h"
#include "recording_sink.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ListWatchTest : public FakeKubeFixture {
 protected:
  void TearDown() override {
    if (lw_) lw_->stop();
  }
  pods::KubeClient client() const {
    pods::KubeConfig cfg;
    cfg.server = api_->url();
    return *pods::KubeClient::create(cfg);
  }
  pods::ListWatchOptions options(const std::string& path, unsigned page_size = 500) const {
    pods::ListWatchOptions o;
    o.path = path;
    o.page_size = page_size;
    o.backoff_initial = 2ms;
    o.backoff_max = 20ms;
    o.jitter = [] { return 1.0; };
    return o;
  }
  void start(pods::ListWatchOptions o) {
    auto lw = pods::ListWatch::create(client(), sink_, std::move(o));
    ASSERT_TRUE(lw) << lw.error().message();
    lw_ = std::move(*lw);
    lw_->start();
  }
  // Waits (up to 10 s: generous for a loaded 2-core machine; the fake
  // answers in milliseconds) for the sink to hold exactly `want`.
  bool wait_for(const std::vector<std::string>& want) const {
    for (int i = 0; i < 2000; ++i) {
      if (sink_.keys() == want) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  bool wait_until(const std::function<bool()>& cond) const {
    for (int i = 0; i < 2000; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  // The GET requests (not watches) of `path` the fake saw.
  std::vector<std::string> list_requests(const std::string& path) const {
    std::vector<std::string> out;
    for (const auto& l : api_->faults().requests()) {
      if (l.starts_with("GET " + path + "?") && l.find("watch=") == std::string::npos) out.push_back(l);
    }
    return out;
  }
  std::vector<std::string> watch_requests() const {
    std::vector<std::string> out;
    for (const auto& l : api_->faults().requests()) {
      if (l.find("watch=1") != std::string::npos) out.push_back(l);
    }
    return out;
  }
  // The value of `key` in a logged request line ("GET /p?a=1&b=2").
  static std::string param(const std::string& line, const std::string& key) {
    for (auto pos = line.find('?'); pos != std::string::npos; pos = line.find('&', pos + 1)) {
      if (line.compare(pos + 1, key.size() + 1, key + "=") == 0) {
        auto start = pos + key.size() + 2;
        return line.substr(start, line.find('&', start) - start);
      }
    }
    return "";
  }
  void create_pods(int n, const std::string& ns = "shop") const {
    for (int i = 0; i < n; ++i) create_pod("p" + std::to_string(i), ns, {{"app", "web"}});
  }
  static std::vector<std::string> shop_keys(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back("shop/p" + std::to_string(i));
    std::sort(out.begin(), out.end());
    return out;
  }

  RecordingSink sink_;
  std::unique_ptr<pods::ListWatch> lw_;
};

TEST_F(ListWatchTest, ListPaginatesInPagesOfPageSize) {
  create_pods(7);
  start(options("/api/v1/pods", 2));
  ASSERT_TRUE(wait_for(shop_keys(7))) << ::testing::PrintToString(sink_.keys());
  auto lists = list_requests("/api/v1/pods");
  ASSERT_EQ(lists.size(), 4u) << ::testing::PrintToString(lists);  // 2 + 2 + 2 + 1
  for (const auto& l : lists) EXPECT_NE(l.find("limit=2"), std::string::npos) << l;
  EXPECT_EQ(lists[0].find("continue="), std::string::npos);
  for (std::size_t i = 1; i < lists.size(); ++i) EXPECT_NE(lists[i].find("continue="), std::string::npos) << lists[i];
  auto c = lw_->counters();
  EXPECT_EQ(c.pages, 4u);
  EXPECT_EQ(c.lists, 1u);
  EXPECT_EQ(sink_.replaces(), 1);  // the pages arrive as one whole list
  EXPECT_TRUE(lw_->synced());
}

TEST_F(ListWatchTest, ListAllReturnsEveryPageAndTheListsVersion) {
  create_pods(7);
  std::atomic<bool> stop{false};
  auto r = pods::list_all(client(), options("/api/v1/namespaces/shop/pods", 3), stop);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->items.size(), 7u);
  EXPECT_EQ(r->pages, 3u);
  EXPECT_EQ(std::stoull(r->resource_version), api_->store().revision());
}

TEST_F(ListWatchTest, AnExpiredContinueTokenRestartsTheList) {
  create_pods(7);
  api_->faults().expire_next_continue();  // page 2 finds its snapshot compacted: 410
  start(options("/api/v1/pods", 2));
  ASSERT_TRUE(wait_for(shop_keys(7))) << ::testing::PrintToString(sink_.keys());
  auto lists = list_requests("/api/v1/pods");
  // page 1, the expired page 2, then a whole list again from page 1 (4 pages).
  EXPECT_EQ(lists.size(), 6u) << ::testing::PrintToString(lists);
  auto c = lw_->counters();
  EXPECT_EQ(c.expired_continues, 1u);
  EXPECT_EQ(c.lists, 1u);  // one list, restarted inside
  EXPECT_EQ(sink_.replaces(), 1);
}

TEST_F(ListWatchTest, ListAllSeesNoDuplicatesAfterARestart) {
  create_pods(5);
  api_->faults().expire_next_continue();
  std::atomic<bool> stop{false};
  auto r = pods::list_all(client(), options("/api/v1/pods", 2), stop);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->items.size(), 5u);
  EXPECT_EQ(r->expired_continues, 1u);
  EXPECT_EQ(r->pages, 1u + 1u + 3u);
}

TEST_F(ListWatchTest, WatchDeliversChangesAfterTheList) {
  create_pods(2);
  start(options("/api/v1/pods"));
  ASSERT_TRUE(wait_for(shop_keys(2)));
  create_pod("p2", "shop", {{"app", "web"}});
  ASSERT_TRUE(wait_for(shop_keys(3))) << ::testing::PrintToString(sink_.keys());
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/shop/pods/p0").status, 200);
  ASSERT_TRUE(wait_for({"shop/p1", "shop/p2"})) << ::testing::PrintToString(sink_.keys());
  EXPECT_EQ(lw_->counters().relists, 0u);
}

TEST_F(ListWatchTest, GoneOnWatchRelists) {
  create_pods(2);
  start(options("/api/v1/pods"));
  ASSERT_TRUE(wait_for(shop_keys(2)));
  ASSERT_TRUE(wait_until([&] { return api_->faults().open_watches() >= 1; }));
  // While the watch hears nothing: a change, then compaction past its RV;
  // the watch comes back from its old RV and is told 410.
  api_->faults().set_stall(true);
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/shop/pods/p0").status, 200);
  create_pod("p9", "shop", {{"app", "web"}});
  api_->store().compact();
  api_->faults().set_stall(false);
  api_->faults().drop_watches();
  ASSERT_TRUE(wait_for({"shop/p1", "shop/p9"})) << ::testing::PrintToString(sink_.keys());
  EXPECT_GE(lw_->counters().relists, 1u);
  EXPECT_GE(sink_.replaces(), 2);
}

TEST_F(ListWatchTest, BookmarkAdvancesTheResourceVersion) {
  api_->faults().set_bookmark_interval(50ms);
  create_pods(1);
  start(options("/api/v1/pods"));
  ASSERT_TRUE(wait_for(shop_keys(1)));
  auto listed = api_->store().revision();
  // A write to another resource moves the revision; the pod watch carries
  // no event for it, only bookmarks, which soon carry the new revision.
  create_fault("f1", "shop");
  const auto moved = std::to_string(api_->store().revision());
  ASSERT_NE(moved, std::to_string(listed));
  // Cut the watch until one resumes from `moved`: only a bookmark can have
  // told the ListWatch that revision (no pod has it). A bookmark every
  // 50 ms makes this a matter of one or two rounds; 10 s is the bound.
  bool resumed_at_moved = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!resumed_at_moved && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    auto before = watch_requests().size();
    api_->faults().drop_watches();
    ASSERT_TRUE(wait_until([&] { return watch_requests().size() > before; }));
    for (const auto& w : watch_requests()) resumed_at_moved |= param(w, "resourceVersion") == moved;
  }
  EXPECT_TRUE(resumed_at_moved) << ::testing::PrintToString(watch_requests());
  EXPECT_GE(lw_->counters().events, 1u);  // bookmarks count as events
  EXPECT_EQ(lw_->counters().lists, 1u);   // every cut resumed, none relisted
}

TEST_F(ListWatchTest, LabelSelectedClusterWideListSeesEveryNamespaceAndNode) {
  create_pod("web-a", "shop", {{"app", "web"}}, "node-a");
  create_pod("web-b", "ops", {{"app", "web"}}, "node-b");
  create_pod("web-c", "default", {{"app", "web"}}, "node-c");
  create_pod("db-a", "shop", {{"app", "db"}}, "node-a");
  create_pod("nolabel", "ops", json::object(), "node-b");
  auto o = options("/api/v1/pods", 2);
  o.label_selector = "app=web";
  start(o);
  ASSERT_TRUE(wait_for({"default/web-c", "ops/web-b", "shop/web-a"})) << ::testing::PrintToString(sink_.keys());
  for (const auto& l : list_requests("/api/v1/pods")) EXPECT_NE(l.find("labelSelector=app=web"), std::string::npos) << l;
  // A new matching pod anywhere arrives; a pod that stops matching leaves.
  create_pod("web-d", "new-ns", {{"app", "web"}}, "node-d");
  ASSERT_TRUE(wait_for({"default/web-c", "new-ns/web-d", "ops/web-b", "shop/web-a"}))
      << ::testing::PrintToString(sink_.keys());
  ASSERT_EQ(call("PATCH", "/api/v1/namespaces/ops/pods/web-b", {{"metadata", {{"labels", {{"app", "api"}}}}}},
                 "application/merge-patch+json")
                .status,
            200);
  ASSERT_TRUE(wait_for({"default/web-c", "new-ns/web-d", "shop/web-a"})) << ::testing::PrintToString(sink_.keys());
}

TEST_F(ListWatchTest, NodesListByLabel) {
  for (const auto& [name, zone] : std::vector<std::pair<std::string, std::string>>{
           {"node-a", "a"}, {"node-b", "b"}, {"node-c", "a"}}) {
    json node{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}, {"labels", {{"zone", zone}}}}}};
    ASSERT_EQ(call("POST", "/api/v1/nodes", node).status, 201);
  }
  auto o = options("/api/v1/nodes", 1);
  o.label_selector = "zone=a";
  std::atomic<bool> stop{false};
  auto r = pods::list_all(client(), o, stop);
  ASSERT_TRUE(r) << r.error().message();
  std::vector<std::string> names;
  for (const auto& n : r->items) names.push_back(n["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"node-a", "node-c"}));
  EXPECT_EQ(r->pages, 2u);
  EXPECT_EQ(call("POST", "/api/v1/namespaces/x/nodes", json::object()).status, 404);  // cluster-scoped
}

TEST_F(ListWatchTest, WatchesNodeLabelsClusterWide) {
  auto node = [](const std::string& name, const std::string& zone) {
    return json{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}, {"labels", {{"zone", zone}}}}}};
  };
  ASSERT_EQ(call("POST", "/api/v1/nodes", node("node-a", "a")).status, 201);
  ASSERT_EQ(call("POST", "/api/v1/nodes", node("node-b", "b")).status, 201);
  auto o = options("/api/v1/nodes");
  o.label_selector = "zone=a";
  start(o);
  ASSERT_TRUE(wait_for({"/node-a"})) << ::testing::PrintToString(sink_.keys());  // no namespace
  // node-b is relabelled into the selector: it arrives as ADDED.
  ASSERT_EQ(call("PATCH", "/api/v1/nodes/node-b", {{"metadata", {{"labels", {{"zone", "a"}}}}}},
                 "application/merge-patch+json")
                .status,
            200);
  ASSERT_TRUE(wait_for({"/node-a", "/node-b"})) << ::testing::PrintToString(sink_.keys());
}

TEST_F(ListWatchTest, RefusedObjectsAreCountedAsMalformed) {
  create_pods(3);
  sink_.refuse("p1");
  start(options("/api/v1/pods"));
  ASSERT_TRUE(wait_for({"shop/p0", "shop/p2"})) << ::testing::PrintToString(sink_.keys());
  EXPECT_EQ(lw_->counters().malformed, 1u);
}

TEST_F(ListWatchTest, ListFailuresAreErrorsNamingThePath) {
  api_->faults().fail_next(1, 500);
  std::atomic<bool> stop{false};
  auto r = pods::list_all(client(), options("/api/v1/pods"), stop);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("list /api/v1/pods: HTTP 500"), std::string::npos) << r.error().message();
  create_pods(4);
  auto o = options("/api/v1/pods", 2);
  o.max_objects = 3;
  r = pods::list_all(client(), o, stop);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("max_objects"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace seismo::fakes
