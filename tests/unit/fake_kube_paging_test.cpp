// The stateful fake API server's paginated lists, list resourceVersion
// semantics and injected faults.
#include <gtest/gtest.h>

#include <thread>

#include "fake_kube_fixture.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using FakeKubePagingTest = FakeKubeFixture;

std::vector<std::string> names(const nlohmann::json& list) {
  std::vector<std::string> out;
  for (const auto& o : list["items"]) out.push_back(o["metadata"]["name"]);
  return out;
}

std::string enc(const std::string& token) {
  std::string out;
  for (char c : token) out += (c == '=' ? std::string("%3D") : std::string(1, c));
  return out;
}

TEST_F(FakeKubePagingTest, PagesFollowTheFirstPagesSnapshotEvenWhenObjectsChangeBetweenPages) {
  for (const char* n : {"a", "b", "c", "d", "e"}) create_pod(n, "ns1");
  auto page1 = get("/api/v1/pods?limit=2");
  EXPECT_EQ(names(page1), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(page1["metadata"]["remainingItemCount"], 3);
  auto token = page1["metadata"]["continue"].get<std::string>();
  ASSERT_FALSE(token.empty());
  // Changes after the first page: invisible to the rest of this list.
  create_pod("bb", "ns1");
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/ns1/pods/d").status, 200);
  auto page2 = get("/api/v1/pods?limit=2&continue=" + enc(token));
  EXPECT_EQ(names(page2), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(page2["metadata"]["resourceVersion"], page1["metadata"]["resourceVersion"]);
  auto page3 = get("/api/v1/pods?limit=2&continue=" + enc(page2["metadata"]["continue"]));
  EXPECT_EQ(names(page3), std::vector<std::string>{"e"});
  EXPECT_FALSE(page3["metadata"].contains("continue"));
  // A fresh list sees the changes.
  EXPECT_EQ(names(get("/api/v1/pods")), (std::vector<std::string>{"a", "b", "bb", "c", "e"}));
}

TEST_F(FakeKubePagingTest, SelectorsApplyBeforeTheLimitAcrossNamespaces) {
  create_pod("a", "ns1", {{"app", "x"}});
  create_pod("b", "ns1");
  create_pod("c", "ns2", {{"app", "x"}});
  create_pod("d", "ns3", {{"app", "x"}});
  auto page1 = get("/api/v1/pods?labelSelector=app%3Dx&limit=2");
  EXPECT_EQ(names(page1), (std::vector<std::string>{"a", "c"}));
  auto page2 = get("/api/v1/pods?labelSelector=app%3Dx&limit=2&continue=" + enc(page1["metadata"]["continue"]));
  EXPECT_EQ(names(page2), std::vector<std::string>{"d"});
}

TEST_F(FakeKubePagingTest, AnExpiredContinueTokenIs410WithATokenForTheRestAtTheLatestRevision) {
  for (const char* n : {"a", "b", "c"}) create_pod(n, "ns1");
  auto page1 = get("/api/v1/pods?limit=1");
  create_pod("z", "ns1");
  api_->store().compact();
  auto expired = call("GET", "/api/v1/pods?limit=1&continue=" + enc(page1["metadata"]["continue"]));
  EXPECT_EQ(expired.status, 410);
  auto st = expired.json();
  EXPECT_EQ(st["reason"], "Expired");
  EXPECT_NE(st["message"].get<std::string>().find("The provided continue parameter is too old"), std::string::npos);
  ASSERT_TRUE(st["metadata"].contains("continue"));
  // The inconsistent token continues after "a", at the current revision:
  // the object created after the first page shows up.
  auto rest = get("/api/v1/pods?continue=" + enc(st["metadata"]["continue"]));
  EXPECT_EQ(names(rest), (std::vector<std::string>{"b", "c", "z"}));
  EXPECT_EQ(rest["metadata"]["resourceVersion"], std::to_string(api_->store().revision()));
  EXPECT_EQ(call("GET", "/api/v1/pods?continue=bm90LWEtdG9rZW4").status, 400);
}

TEST_F(FakeKubePagingTest, ListResourceVersionSemantics) {
  auto a = create_pod("a", "ns1");
  create_pod("b", "ns1");
  create_pod("c", "ns1");
  // "0": any state, from the watch cache, which ignores limit.
  auto any = get("/api/v1/pods?resourceVersion=0&limit=1");
  EXPECT_EQ(any["items"].size(), 3u);
  EXPECT_FALSE(any["metadata"].contains("continue"));
  // Exact: the state at that revision.
  auto exact = get("/api/v1/pods?resourceVersionMatch=Exact&resourceVersion=" + std::to_string(rv_of(a)));
  EXPECT_EQ(names(exact), std::vector<std::string>{"a"});
  EXPECT_EQ(exact["metadata"]["resourceVersion"], std::to_string(rv_of(a)));
  // NotOlderThan an old revision: the current state.
  EXPECT_EQ(get("/api/v1/pods?resourceVersion=" + std::to_string(rv_of(a)))["items"].size(), 3u);
  auto too_large = call("GET", "/api/v1/pods?resourceVersion=" + std::to_string(api_->store().revision() + 10));
  EXPECT_EQ(too_large.status, 504);
  EXPECT_EQ(too_large.json()["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
  api_->store().compact();
  EXPECT_EQ(call("GET", "/api/v1/pods?resourceVersionMatch=Exact&resourceVersion=" + std::to_string(rv_of(a))).status,
            410);
  // ValidateListOptions.
  EXPECT_EQ(call("GET", "/api/v1/pods?resourceVersionMatch=Exact").status, 422);
  EXPECT_EQ(call("GET", "/api/v1/pods?resourceVersionMatch=Exact&resourceVersion=0").status, 422);
  EXPECT_EQ(call("GET", "/api/v1/pods?resourceVersionMatch=Sometime&resourceVersion=5").status, 422);
  EXPECT_EQ(call("GET", "/api/v1/pods?watch=1&resourceVersionMatch=NotOlderThan&resourceVersion=5").status, 422);
}

TEST_F(FakeKubePagingTest, InjectedFailuresAnswerWithStatusAndRetryAfterThenRecover) {
  api_->faults().fail_next(2, 429, 3);
  auto first = call("GET", "/api/v1/pods");
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.headers["retry-after"], "3");
  EXPECT_EQ(first.json()["reason"], "TooManyRequests");
  EXPECT_EQ(call("GET", "/api/v1/pods?watch=1").status, 429);  // watches too
  EXPECT_EQ(call("GET", "/api/v1/pods").status, 200);
  api_->faults().fail_next(1, 503);
  auto unavailable = call("GET", "/api/v1/pods");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.headers.count("retry-after"), 0u);
  api_->faults().fail_next(1, 500);
  EXPECT_EQ(call("POST", "/api/v1/namespaces/ns1/pods", pod("p", "ns1")).status, 500);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/ns1/pods/p").status, 404);  // the failed write wrote nothing
  auto log = api_->faults().requests();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[1], "GET /api/v1/pods?watch=1");
}

TEST_F(FakeKubePagingTest, ADroppedWatchEndsAbruptlyAndAStalledOneGoesSilentUntilReleased) {
  auto rv = std::to_string(api_->store().revision());
  WatchStream dropped(url("/api/v1/pods?watch=1&resourceVersion=" + rv));
  for (int i = 0; i < 1000 && api_->faults().open_watches() < 1; ++i) std::this_thread::sleep_for(5ms);
  api_->faults().drop_watches();
  ASSERT_TRUE(dropped.wait_ended());
  EXPECT_NE(dropped.curl_code(), 0);  // no terminating chunk: the client sees a broken transfer
  api_->faults().set_stall(true);
  WatchStream stalled(url("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv));
  api_->faults().set_bookmark_interval(20ms);
  create_pod("p1", "ns1");
  // Model: a live watch delivers within ~20 ms (its poll period); 300 ms of
  // silence on a loaded machine is the stall, not slowness.
  EXPECT_FALSE(stalled.wait_for(1, 300ms));
  api_->faults().set_stall(false);
  ASSERT_TRUE(stalled.wait_for(1));
  EXPECT_EQ(stalled.events()[0]["type"], "ADDED");
}

TEST_F(FakeKubePagingTest, AWatchEndsCleanlyAtItsTimeoutSeconds) {
  WatchStream w(url("/api/v1/pods?watch=1&timeoutSeconds=1"));
  ASSERT_TRUE(w.wait_ended(10s));
  EXPECT_EQ(w.curl_code(), 0);
}

}  // namespace
}  // namespace seismo::fakes
