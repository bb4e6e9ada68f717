// KubeClient against the fake API server on 127.0.0.1.
#include "pods/kube_client.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "fake_kube_api.h"

using namespace seismo::pods;
using seismo::fakes::FakeKubeApi;
using seismo::fakes::WatchScript;

namespace {
std::atomic<bool> kNoStop{false};
}

TEST(UrlEncode, KeepsUnreservedEscapesTheRest) {
  EXPECT_EQ(url_encode("spec.nodeName=node-a"), "spec.nodeName%3Dnode-a");
  EXPECT_EQ(url_encode("a b&c/~_"), "a%20b%26c%2F~_");
}

TEST(KubeClient, RejectsNonHttpServer) {
  KubeConfig cfg;
  cfg.server = "file:///etc/passwd";
  auto c = KubeClient::create(cfg);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("not an http(s) URL"), std::string::npos);
}

TEST(KubeClient, GetBoundsTheBodyAndReadsTheTokenFileEachTime) {
  auto api = FakeKubeApi::start();
  ASSERT_TRUE(api) << api.error().message();
  std::string body = R"({"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[]})";
  (*api)->push_list(200, body);
  char tmpl[] = "/tmp/seismo-token-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(tmpl) << "first\n";
  KubeConfig cfg;
  cfg.server = (*api)->url();
  cfg.token_file = tmpl;
  auto client = KubeClient::create(cfg);
  ASSERT_TRUE(client);
  auto r = client->get("/api/v1/pods", 1 << 20, kNoStop);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  std::ofstream(tmpl) << "rotated";
  auto small = client->get("/api/v1/pods", 10, kNoStop);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message().find("larger than 10 bytes"), std::string::npos);
  EXPECT_EQ((*api)->authorizations(), (std::vector<std::string>{"Bearer first", "Bearer rotated"}));
  std::remove(tmpl);
  auto missing = client->get("/api/v1/pods", 1 << 20, kNoStop);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("token file"), std::string::npos);
}

TEST(KubeClient, StreamSplitsLinesAndDropsOversizedOnes) {
  auto api = FakeKubeApi::start();
  ASSERT_TRUE(api);
  WatchScript s;
  s.lines = {"one", std::string(100, 'x'), "", "two"};
  (*api)->push_watch(s);
  KubeConfig cfg;
  cfg.server = (*api)->url();
  auto client = KubeClient::create(cfg);
  ASSERT_TRUE(client);
  std::vector<std::string> lines;
  std::vector<std::size_t> oversized;
  LineSink sink;
  sink.max_line = 50;
  sink.on_line = [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  };
  sink.on_oversized = [&](std::size_t n) { oversized.push_back(n); };
  auto r = client->stream("/api/v1/pods?watch=1", sink, kNoStop);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(oversized, std::vector<std::size_t>{100});
}

TEST(KubeClient, ConnectionRefusedIsAnError) {
  auto api = FakeKubeApi::start();
  ASSERT_TRUE(api);
  KubeConfig cfg;
  cfg.server = (*api)->url();
  api->reset();  // the port is now closed
  auto client = KubeClient::create(cfg);
  ASSERT_TRUE(client);
  auto r = client->get("/api/v1/pods", 1 << 20, kNoStop);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("GET /api/v1/pods"), std::string::npos) << r.error().message();
}

TEST(KubeClient, PatchSendsTheBodyWithItsContentTypeAndReturnsAnyStatus) {
  auto api = FakeKubeApi::start_stateful();
  ASSERT_TRUE(api) << api.error().message();
  KubeConfig cfg;
  cfg.server = (*api)->url();
  auto client = KubeClient::create(cfg);
  ASSERT_TRUE(client);
  const std::string path = "/apis/seismo.dev/v1alpha1/namespaces/ns1/networkfaults/f";
  nlohmann::json object = {{"apiVersion", "seismo.dev/v1alpha1"},
                           {"kind", "NetworkFault"},
                           {"metadata", {{"name", "f"}, {"namespace", "ns1"}}},
                           {"spec", {{"action", "loss"}}}};
  // Server-side apply creates the object; the answer is the object.
  auto created = client->patch(path + "?fieldManager=t", "application/apply-patch+yaml", object.dump(), 1 << 20,
                               kNoStop);
  ASSERT_TRUE(created) << created.error().message();
  ASSERT_EQ(created->status, 201) << created->body;
  nlohmann::json status = object;
  status.erase("spec");
  status["status"] = {{"nodes", {{{"node", "node-a"}, {"phase", "Injected"}}}}};
  auto applied = client->patch(path + "/status?fieldManager=seismo-node-node-a&force=true",
                               "application/apply-patch+yaml", status.dump(), 1 << 20, kNoStop);
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(applied->status, 200) << applied->body;
  auto got = client->get(path, 1 << 20, kNoStop);
  ASSERT_TRUE(got);
  EXPECT_EQ(nlohmann::json::parse(got->body)["status"]["nodes"][0]["phase"], "Injected");
  // A missing object is a 404 answer, not an error.
  auto other = status;
  other["metadata"]["name"] = "g";
  auto missing = client->patch(path.substr(0, path.size() - 1) + "g/status?fieldManager=t",
                               "application/apply-patch+yaml", other.dump(), 1 << 20, kNoStop);
  ASSERT_TRUE(missing) << missing.error().message();
  EXPECT_EQ(missing->status, 404);
  // The body limit holds for PATCH answers too.
  auto small = client->patch(path + "/status?fieldManager=seismo-node-node-a&force=true",
                             "application/apply-patch+yaml", status.dump(), 16, kNoStop);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message().find("PATCH "), std::string::npos) << small.error().message();
}
