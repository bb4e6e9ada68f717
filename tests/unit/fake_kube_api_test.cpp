// The stateful fake API server's list and watch: resourceVersion, 410,
// bookmarks, selectors, paths, pagination and injected faults. Each test pins
// one behaviour the real kube-apiserver has (named in the fake's sources).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "fake_kube_fixture.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using FakeKubeApiTest = FakeKubeFixture;

std::vector<std::string> names(const nlohmann::json& list) {
  std::vector<std::string> out;
  for (const auto& o : list["items"]) out.push_back(o["metadata"]["name"]);
  return out;
}

TEST_F(FakeKubeApiTest, ListCarriesTheClusterRevisionAndEachWriteBumpsIt) {
  auto a = create_pod("a", "ns1");
  auto b = create_pod("b", "ns1");
  create_fault("f", "ns1");  // one revision for every resource
  auto c = create_pod("c", "ns2");
  EXPECT_LT(rv_of(a), rv_of(b));
  EXPECT_EQ(rv_of(c), rv_of(b) + 2);
  auto all = get("/api/v1/pods");
  EXPECT_EQ(all["kind"], "PodList");
  EXPECT_EQ(all["metadata"]["resourceVersion"], std::to_string(api_->store().revision()));
  EXPECT_EQ(names(all), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(names(get("/api/v1/namespaces/ns1/pods")), (std::vector<std::string>{"a", "b"}));
}

TEST_F(FakeKubeApiTest, CustomResourcesServeNamespacedAndClusterWidePaths) {
  create_fault("f1", "ns1");
  create_fault("f2", "ns2");
  EXPECT_EQ(names(get("/apis/seismo.dev/v1alpha1/networkfaults")), (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(names(get("/apis/seismo.dev/v1alpha1/namespaces/ns2/networkfaults")), (std::vector<std::string>{"f2"}));
  EXPECT_EQ(get("/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults/f1")["metadata"]["name"], "f1");
  EXPECT_EQ(call("GET", "/apis/seismo.dev/v1alpha1/namespaces/ns2/networkfaults/f1").status, 404);
  EXPECT_EQ(call("GET", "/apis/seismo.dev/v1alpha1/namespaces/ns1/otherthings").status, 404);
  EXPECT_EQ(call("POST", "/apis/seismo.dev/v1alpha1/networkfaults", fault("f3", "ns1")).status, 405);
  KubeResource nodes{"", "v1", "nodes", "Node", false, false, false, {}, {}};
  api_->store().add_resource(nodes);
  EXPECT_EQ(call("POST", "/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status, 201);
  EXPECT_EQ(get("/api/v1/nodes/n1")["metadata"].contains("namespace"), false);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/ns1/nodes").status, 404);
}

TEST_F(FakeKubeApiTest, WatchFromAResourceVersionStreamsOnlyLaterChangesInOrder) {
  auto p1 = create_pod("p1", "ns1");
  auto from = rv_of(p1);
  create_pod("p2", "ns1");
  auto changed = p1;
  changed["metadata"]["labels"]["x"] = "y";
  ASSERT_EQ(call("PUT", "/api/v1/namespaces/ns1/pods/p1", changed).status, 200);
  auto del = call("DELETE", "/api/v1/namespaces/ns1/pods/p2");
  ASSERT_EQ(del.status, 200);
  WatchStream w(url("/api/v1/pods?watch=1&resourceVersion=" + std::to_string(from)));
  ASSERT_TRUE(w.wait_for(3));
  auto ev = w.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0]["type"], "ADDED");
  EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "p2");
  EXPECT_EQ(ev[1]["type"], "MODIFIED");
  EXPECT_EQ(ev[1]["object"]["metadata"]["labels"]["x"], "y");
  EXPECT_EQ(ev[2]["type"], "DELETED");
  // A deletion carries the deletion's own revision (etcd's delete event).
  EXPECT_EQ(rv_of(ev[2]["object"]), api_->store().revision());
  EXPECT_LT(rv_of(ev[0]["object"]), rv_of(ev[1]["object"]));
}

TEST_F(FakeKubeApiTest, WatchWithoutResourceVersionStartsWithTheCurrentStateAsAdded) {
  create_pod("p1", "ns1");
  create_pod("p2", "ns2");
  WatchStream w(url("/api/v1/namespaces/ns1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(w.wait_for(1));
  create_pod("p3", "ns2");  // another namespace: not this watch's
  create_pod("p4", "ns1");
  ASSERT_TRUE(w.wait_for(2));
  std::this_thread::sleep_for(100ms);
  auto ev = w.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "p1");
  EXPECT_EQ(ev[1]["object"]["metadata"]["name"], "p4");
}

TEST_F(FakeKubeApiTest, WatchFromACompactedRevisionGetsOneErrorEventGoneAndEnds) {
  auto p1 = create_pod("p1", "ns1");
  create_pod("p2", "ns1");
  api_->store().compact();
  WatchStream w(url("/api/v1/pods?watch=1&resourceVersion=" + std::to_string(rv_of(p1))));
  ASSERT_TRUE(w.wait_ended());
  auto ev = w.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["type"], "ERROR");
  EXPECT_EQ(ev[0]["object"]["kind"], "Status");
  EXPECT_EQ(ev[0]["object"]["code"], 410);
  EXPECT_EQ(ev[0]["object"]["reason"], "Expired");
  EXPECT_EQ(w.curl_code(), 0);  // a clean end of a 200 stream, not a dropped one
  // The current revision is still a valid starting point.
  WatchStream ok(url("/api/v1/pods?watch=1&resourceVersion=" + std::to_string(api_->store().revision())));
  create_pod("p3", "ns1");
  ASSERT_TRUE(ok.wait_for(1));
  EXPECT_EQ(ok.events()[0]["type"], "ADDED");
}

TEST_F(FakeKubeApiTest, TheHistoryWindowExpiresResourceVersionsOlderThanItHolds) {
  start(4);  // keeps 4 events
  auto first = create_pod("p0", "ns1");
  for (int i = 1; i < 8; ++i) create_pod("p" + std::to_string(i), "ns1");
  WatchStream old(url("/api/v1/pods?watch=1&resourceVersion=" + std::to_string(rv_of(first))));
  ASSERT_TRUE(old.wait_for(1));
  EXPECT_EQ(old.events()[0]["object"]["code"], 410);
  WatchStream recent(url("/api/v1/pods?watch=1&resourceVersion=" + std::to_string(api_->store().revision() - 3)));
  ASSERT_TRUE(recent.wait_for(3));
  EXPECT_EQ(recent.events()[0]["type"], "ADDED");
  EXPECT_EQ(recent.events()[0]["object"]["metadata"]["name"], "p5");
}

TEST_F(FakeKubeApiTest, BookmarksCarryOnlyTheResourceVersionAndOnlyWhenAsked) {
  api_->faults().set_bookmark_interval(50ms);
  create_pod("p1", "ns1");
  auto rv = std::to_string(api_->store().revision());
  WatchStream with(url("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv));
  WatchStream without(url("/api/v1/pods?watch=1&resourceVersion=" + rv));
  ASSERT_TRUE(with.wait_for(1));
  auto bm = with.events()[0];
  EXPECT_EQ(bm["type"], "BOOKMARK");
  EXPECT_EQ(bm["object"]["metadata"], (nlohmann::json{{"resourceVersion", rv}}));
  create_pod("p2", "ns1");
  ASSERT_TRUE(without.wait_for(1));
  std::this_thread::sleep_for(200ms);  // 4 bookmark intervals
  for (const auto& e : without.events()) EXPECT_NE(e["type"], "BOOKMARK");
  ASSERT_TRUE(with.wait_for(3));
  EXPECT_EQ(with.events().back()["object"]["metadata"]["resourceVersion"], std::to_string(api_->store().revision()));
}

TEST_F(FakeKubeApiTest, SendInitialEventsIsRefusedWithTheGateOffAndEndsWithTheAnnotatedBookmarkWithItOn) {
  create_pod("p1", "ns1");
  const std::string q = "/api/v1/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true";
  auto off = call("GET", q + "&resourceVersionMatch=NotOlderThan");
  EXPECT_EQ(off.status, 422);
  EXPECT_NE(off.body.find("unless the WatchList feature gate is enabled"), std::string::npos);
  api_->faults().set_watch_list(true);
  EXPECT_EQ(call("GET", q).status, 422);  // needs resourceVersionMatch=NotOlderThan
  WatchStream w(url(q + "&resourceVersionMatch=NotOlderThan"));
  ASSERT_TRUE(w.wait_for(2));
  auto ev = w.events();
  EXPECT_EQ(ev[0]["type"], "ADDED");
  EXPECT_EQ(ev[1]["type"], "BOOKMARK");
  EXPECT_EQ(ev[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_EQ(call("GET", "/api/v1/pods?sendInitialEvents=true").status, 422);  // forbidden for list
}

TEST_F(FakeKubeApiTest, LabelSelectorOperatorsSelectLikeUpstream) {
  create_pod("web", "ns1", {{"app", "web"}, {"tier", "front"}});
  create_pod("db", "ns1", {{"app", "db"}});
  create_pod("bare", "ns1");
  auto sel = [&](const std::string& s) { return names(get("/api/v1/pods?labelSelector=" + s)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(sel("app%3Dweb"), V{"web"});
  EXPECT_EQ(sel("app%3D%3Ddb"), V{"db"});
  EXPECT_EQ(sel("app!%3Dweb"), (V{"bare", "db"}));  // != matches a missing label
  EXPECT_EQ(sel("app%20in%20(web,db)"), (V{"db", "web"}));
  EXPECT_EQ(sel("app%20notin%20(web)"), (V{"bare", "db"}));
  EXPECT_EQ(sel("tier"), V{"web"});
  EXPECT_EQ(sel("!tier"), (V{"bare", "db"}));
  EXPECT_EQ(sel("app,!tier"), V{"db"});
  EXPECT_EQ(call("GET", "/api/v1/pods?labelSelector=app%20~%20x").status, 400);
}

TEST_F(FakeKubeApiTest, FieldSelectorsUseThePodFieldLabels) {
  create_pod("a", "ns1", {}, "node-a", "Running");
  create_pod("b", "ns2", {}, "node-b", "Pending");
  create_pod("c", "ns1", {}, "node-b", "Running");
  auto sel = [&](const std::string& s) { return names(get("/api/v1/pods?fieldSelector=" + s)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(sel("spec.nodeName%3Dnode-b"), (V{"c", "b"}));  // key order: ns1/c before ns2/b
  EXPECT_EQ(sel("spec.nodeName%3Dnode-b,status.phase%3DRunning"), V{"c"});
  EXPECT_EQ(sel("status.phase!%3DRunning"), V{"b"});
  EXPECT_EQ(sel("metadata.name%3Da"), V{"a"});
  EXPECT_EQ(sel("metadata.namespace%3D%3Dns2"), V{"b"});
  auto bad = call("GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("field label not supported: spec.bogus"), std::string::npos);
  // A custom resource selects on metadata only.
  EXPECT_EQ(call("GET", "/apis/seismo.dev/v1alpha1/networkfaults?fieldSelector=spec.action%3Dloss").status, 400);
}

TEST_F(FakeKubeApiTest, AnObjectLeavingTheSelectorIsDeletedForTheWatchAndEnteringItIsAdded) {
  auto p = create_pod("p", "ns1", {{"app", "db"}});
  WatchStream w(url("/api/v1/pods?watch=1&labelSelector=app%3Dweb&resourceVersion=" + std::to_string(rv_of(p))));
  auto relabel = [&](const std::string& app) {
    auto cur = get("/api/v1/namespaces/ns1/pods/p");
    cur["metadata"]["labels"]["app"] = app;
    ASSERT_EQ(call("PUT", "/api/v1/namespaces/ns1/pods/p", cur).status, 200);
  };
  relabel("web");
  relabel("web2");
  relabel("web");
  ASSERT_TRUE(w.wait_for(3));
  auto ev = w.events();
  EXPECT_EQ(ev[0]["type"], "ADDED");
  EXPECT_EQ(ev[1]["type"], "DELETED");
  // The DELETED carries the last state that matched, at the leaving write's RV.
  EXPECT_EQ(ev[1]["object"]["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(rv_of(ev[1]["object"]), rv_of(ev[0]["object"]) + 1);
  EXPECT_EQ(ev[2]["type"], "ADDED");
}

// httplib binds with SO_REUSEPORT by default: two fakes (two test processes
// under ctest -j2) could then share one ephemeral port and the kernel split
// their connections, so a watch reached the other test's server (seen as
// bookmarks on a watch that asked for none). The fake owns its port alone.
bool another_socket_can_bind(const std::string& url) {
  auto port = std::stoi(url.substr(url.rfind(':') + 1));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  close(fd);
  return rc == 0;
}

TEST_F(FakeKubeApiTest, NoOtherSocketCanShareTheFakesPort) {
  EXPECT_FALSE(another_socket_can_bind(api_->url()));
  auto scripted = FakeKubeApi::start();  // the scripted mode too
  ASSERT_TRUE(scripted);
  EXPECT_FALSE(another_socket_can_bind((*scripted)->url()));
}

}  // namespace
}  // namespace seismo::fakes
