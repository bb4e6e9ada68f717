// The stateful fake API server going away and coming back (the cluster
// tests stop it during a fault), and its per-client request counts (the
// cluster benchmark's API requests per node).
#include <gtest/gtest.h>
#include <httplib.h>

#include "fake_kube_fixture.h"

namespace seismo::fakes {
namespace {

using namespace std::chrono_literals;
using FakeKubeRestartTest = FakeKubeFixture;

TEST_F(FakeKubeRestartTest, ResumesOnTheSamePortWithTheSameObjectsAndHistory) {
  auto a = create_pod("a", "ns1");
  const std::string url = api_->url();
  WatchStream open(url + "/api/v1/pods?watch=1&resourceVersion=" + std::to_string(rv_of(a)));
  api_->stop_serving();
  EXPECT_TRUE(open.wait_ended(5s)) << "an open watch outlived the server";
  EXPECT_EQ(http_call("GET", url + "/api/v1/pods").status, 0) << "a stopped fake still answers";

  ASSERT_TRUE(api_->resume_serving());
  EXPECT_EQ(api_->url(), url);
  auto list = get("/api/v1/pods");
  ASSERT_EQ(list["items"].size(), 1u) << list.dump();
  EXPECT_EQ(list["items"][0]["metadata"]["uid"], a["metadata"]["uid"]);
  // The history survived: a watch from before the outage gets what came after.
  auto b = create_pod("b", "ns1");
  WatchStream resumed(url + "/api/v1/pods?watch=1&resourceVersion=" + std::to_string(rv_of(a)));
  ASSERT_TRUE(resumed.wait_for(1));
  EXPECT_EQ(resumed.events()[0]["object"]["metadata"]["name"], "b");
  resumed.stop();
  EXPECT_FALSE(api_->resume_serving()) << "resuming a fake that serves must be refused";
}

TEST_F(FakeKubeRestartTest, CountsRequestsPerAuthorizationHeader) {
  const std::string host = api_->url().substr(std::string("http://").size());
  httplib::Client node_a(host.substr(0, host.find(':')), std::stoi(host.substr(host.find(':') + 1)));
  httplib::Client node_b(host.substr(0, host.find(':')), std::stoi(host.substr(host.find(':') + 1)));
  node_a.set_bearer_token_auth("token-a");
  node_b.set_bearer_token_auth("token-b");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(node_a.Get("/api/v1/pods"));
  ASSERT_TRUE(node_b.Get("/api/v1/pods"));
  ASSERT_TRUE(node_b.Get("/apis/seismo.dev/v1alpha1/networkfaults"));
  create_pod("a", "ns1");  // no Authorization header
  EXPECT_EQ(api_->faults().requests_from("Bearer token-a"), 3u);
  EXPECT_EQ(api_->faults().requests_from("Bearer token-b"), 2u);
  EXPECT_EQ(api_->faults().requests_from(""), 1u);
  EXPECT_EQ(api_->faults().requests_from("Bearer nobody"), 0u);
  EXPECT_EQ(api_->faults().requests().size(), 6u);
}

}  // namespace
}  // namespace seismo::fakes
