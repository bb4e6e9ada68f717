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
