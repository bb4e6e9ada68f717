#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fake_kube_api.h"
#include "http_probe.h"

namespace seismo::fakes {

// A stateful fake API server per test, and short ways to talk to it.
class FakeKubeFixture : public ::testing::Test {
 protected:
  using json = nlohmann::json;
  static constexpr const char* kFaults = "/apis/seismo.dev/v1alpha1/namespaces/";

  void start(std::size_t history_limit = 1000) {
    auto api = FakeKubeApi::start_stateful(history_limit);
    ASSERT_TRUE(api) << api.error().message();
    api_ = std::move(*api);
  }
  void SetUp() override { start(); }

  std::string url(const std::string& path) const { return api_->url() + path; }
  HttpAnswer call(const std::string& method, const std::string& path, const json& body = nullptr,
                  const std::string& type = "application/json") const {
    return http_call(method, url(path), body.is_null() ? "" : body.dump(), type);
  }
  json get(const std::string& path) const { return call("GET", path).json(); }

  static json pod(const std::string& name, const std::string& ns, json labels = json::object(),
                  const std::string& node = "node-a", const std::string& phase = "Running") {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
            {"spec", {{"nodeName", node}}},
            {"status", {{"phase", phase}}}};
  }
  json create_pod(const std::string& name, const std::string& ns, json labels = json::object(),
                  const std::string& node = "node-a", const std::string& phase = "Running") const {
    auto a = call("POST", "/api/v1/namespaces/" + ns + "/pods", pod(name, ns, std::move(labels), node, phase));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json();
  }
  static json fault(const std::string& name, const std::string& ns, json spec = {{"action", "loss"}}) {
    return {{"apiVersion", "seismo.dev/v1alpha1"},
            {"kind", "NetworkFault"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", std::move(spec)}};
  }
  json create_fault(const std::string& name, const std::string& ns) const {
    auto a = call("POST", std::string(kFaults) + ns + "/networkfaults", fault(name, ns));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json();
  }
  static uint64_t rv_of(const json& object) {
    return std::stoull(object["metadata"]["resourceVersion"].get<std::string>());
  }

  std::unique_ptr<FakeKubeApi> api_;
};

}  // namespace seismo::fakes
