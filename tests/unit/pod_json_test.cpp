#include "pods/pod_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace seismo::pods;
using nlohmann::json;

namespace {
const std::string kId(64, 'b');
json good() {
  return json::parse(R"({
    "kind": "Pod",
    "metadata": {"uid": "0d6c1a39-4c2b-4f8e-9f5e-2b1a7c3d9e10", "name": "web-0", "namespace": "shop",
                 "resourceVersion": "4711", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-a"},
    "status": {"initContainerStatuses": [{"name": "init", "containerID": "cri-o://)" + kId + R"("}],
               "containerStatuses": [{"name": "main", "containerID": "containerd://)" + kId + R"("},
                                     {"name": "sidecar"}]}
  })");
}
void expect_field_error(const json& j, const std::string& field) {
  auto r = pod_from_json(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find(field), std::string::npos) << r.error().message();
}
}  // namespace

TEST(PodJson, ParsesARealisticPod) {
  auto p = pod_from_json(good());
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->name, "web-0");
  EXPECT_EQ(p->namespace_name, "shop");
  EXPECT_EQ(p->node_name, "node-a");
  EXPECT_EQ(p->resource_version, "4711");
  EXPECT_EQ(p->labels.at("app"), "web");
  ASSERT_EQ(p->containers.size(), 3u);
  EXPECT_EQ(p->containers[0].runtime, "cri-o");
  EXPECT_EQ(p->containers[1].id, kId);
  EXPECT_TRUE(p->containers[2].id.empty());  // not started yet
}

TEST(PodJson, ErrorsNameTheField) {
  auto j = good();
  j["metadata"].erase("uid");
  expect_field_error(j, "metadata.uid");
  j = good();
  j["metadata"]["uid"] = "not-a-uid";
  expect_field_error(j, "metadata.uid");
  j = good();
  j["metadata"]["name"] = 7;
  expect_field_error(j, "metadata.name");
  j = good();
  j["metadata"].erase("resourceVersion");
  expect_field_error(j, "metadata.resourceVersion");
  j = good();
  j["metadata"]["labels"]["n"] = 3;
  expect_field_error(j, "metadata.labels.n");
  j = good();
  j["status"]["containerStatuses"] = "x";
  expect_field_error(j, "status.containerStatuses");
  j = good();
  j["status"]["containerStatuses"][0]["containerID"] = "containerd://xyz";
  expect_field_error(j, "containerID");
  j = good();
  j["status"]["containerStatuses"][0]["containerID"] = kId;
  expect_field_error(j, "containerID");
  expect_field_error(json::array(), "not a JSON object");
  expect_field_error(json::object(), "field 'metadata'");
}

TEST(PodJson, ReadsSelectionFields) {
  auto j = good();
  j["metadata"]["annotations"] = {{"team", "payments"}};
  j["metadata"]["creationTimestamp"] = "2026-11-29T04:00:00Z";
  j["spec"]["hostNetwork"] = true;
  j["status"]["phase"] = "Running";
  j["status"]["podIP"] = "10.1.2.3";
  j["status"]["podIPs"] = json::array({{{"ip", "10.1.2.3"}}, {{"ip", "fd00::3"}}});
  auto p = pod_from_json(j);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->annotations.at("team"), "payments");
  EXPECT_EQ(p->created_unix, 1795924800);  // python3: calendar.timegm((2026, 11, 29, 4, 0, 0))
  EXPECT_TRUE(p->host_network);
  EXPECT_EQ(p->phase, "Running");
  EXPECT_EQ(p->ips, (std::vector<std::string>{"10.1.2.3", "fd00::3"}));
  EXPECT_FALSE(p->deleting);
}

TEST(PodJson, AbsentSelectionFieldsAreEmpty) {
  auto p = pod_from_json(good());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->annotations.empty());
  EXPECT_EQ(p->created_unix, 0);
  EXPECT_FALSE(p->host_network);
  EXPECT_TRUE(p->phase.empty());
  EXPECT_TRUE(p->ips.empty());
  EXPECT_FALSE(p->deleting);
}

TEST(PodJson, PodIpWhenPodIpsIsAbsent) {
  auto j = good();
  j["status"]["podIP"] = "10.9.8.7";
  auto p = pod_from_json(j);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ips, std::vector<std::string>{"10.9.8.7"});
  j["status"]["podIP"] = "";  // not assigned yet
  p = pod_from_json(j);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->ips.empty());
}

TEST(PodJson, DeletionTimestampMeansDeleting) {
  auto j = good();
  j["metadata"]["deletionTimestamp"] = "2026-11-29T04:00:30Z";
  auto p = pod_from_json(j);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->deleting);
  j["metadata"]["deletionTimestamp"] = nullptr;
  p = pod_from_json(j);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->deleting);
}

TEST(PodJson, SelectionFieldErrorsNameTheField) {
  auto j = good();
  j["metadata"]["annotations"] = {{"a", 1}};
  expect_field_error(j, "metadata.annotations.a");
  j = good();
  j["metadata"]["annotations"] = "x";
  expect_field_error(j, "metadata.annotations");
  j = good();
  j["metadata"]["creationTimestamp"] = "yesterday";
  expect_field_error(j, "metadata.creationTimestamp");
  j = good();
  j["metadata"]["deletionTimestamp"] = 5;
  expect_field_error(j, "metadata.deletionTimestamp");
  j = good();
  j["spec"]["hostNetwork"] = "true";
  expect_field_error(j, "spec.hostNetwork");
  j = good();
  j["spec"] = "x";
  expect_field_error(j, "field 'spec'");
  j = good();
  j["status"]["phase"] = "Run ning";
  expect_field_error(j, "status.phase");
  j = good();
  j["status"]["phase"] = std::string(100, 'R');
  expect_field_error(j, "status.phase");
  j = good();
  j["status"]["podIP"] = "10.1.2";
  expect_field_error(j, "status.podIP");
  j = good();
  j["status"]["podIPs"] = json::array({{{"ip", "10.1.2.3"}}, {{"ip", "host.example"}}});
  expect_field_error(j, "status.podIPs[1].ip");
  j = good();
  j["status"]["podIPs"] = json::array({{{"address", "10.1.2.3"}}});
  expect_field_error(j, "status.podIPs[0].ip");
  j = good();
  j["status"]["podIPs"] = json::array();
  for (int i = 0; i < 9; ++i) j["status"]["podIPs"].push_back({{"ip", "10.0.0.1"}});
  expect_field_error(j, "status.podIPs");
}

TEST(Rfc3339, ReadsWhatTheApiServerWrites) {
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339("2026-11-29T04:00:00Z"), 1795924800);
  // python3: calendar.timegm((2024, 2, 29, 23, 59, 59)) = 1709251199
  EXPECT_EQ(*parse_rfc3339("2024-02-29T23:59:59Z"), 1709251199);
  EXPECT_EQ(*parse_rfc3339("2024-02-29T23:59:59.123456789Z"), 1709251199);  // MicroTime-like fraction dropped
  EXPECT_EQ(*parse_rfc3339("2026-11-29T04:00:00+02:00"), 1795924800 - 7200);
  EXPECT_EQ(*parse_rfc3339("2026-11-29T04:00:00-01:30"), 1795924800 + 5400);
}

TEST(Rfc3339, RefusesWhatIsNotATime) {
  for (const char* bad : {"", "2026-11-29", "2026-11-29 04:00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-11-29T24:00:00Z", "2026-11-29T04:00:00", "2026-11-29T04:00:00.Z",
                          "2026-11-29T04:00:00Zjunk", "2026-11-29T04:00:00+2:00", "x026-11-29T04:00:00Z"}) {
    auto r = parse_rfc3339(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message().find("RFC 3339"), std::string::npos) << r.error().message();
    }
  }
}
