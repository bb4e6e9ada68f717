#pragma once
// PodsDaemon: seismod watching a fake API server whose pods are real network
// namespaces and kubelet-named cgroups on this machine (pods_daemon_test,
// pods_daemon_exec_test). The including test defines SEISMO_CLI_PATH.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/client.h"
#include "chaos_support.h"
#include "fake_kube_api.h"
#include "pods_support.h"
#include "support/exposition.h"
#include "support/seismod_process.h"

namespace seismo::testing {

inline constexpr const char* kNode = "it-node-1";

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

struct CliResult {
  int status = -1;
  std::string out;
};

inline CliResult run_cli(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SEISMO_CLI_PATH, "--socket", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  return {r.status, r.output};
}

class PodsDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (seismod, netns, cgroups)";
    auto node = TestNetns::create();
    ASSERT_TRUE(node) << node.error().message();
    node_.emplace(std::move(*node));
    auto tree = KubepodsTree::create();
    ASSERT_TRUE(tree) << tree.error().message();
    tree_.emplace(std::move(*tree));
    auto api = fakes::FakeKubeApi::start();
    ASSERT_TRUE(api) << api.error().message();
    api_ = std::move(*api);
    auto fs = TempBpffs::create();
    ASSERT_TRUE(fs) << fs.error().message();
    fs_.emplace(std::move(*fs));
    kubeconfig_ = fs_->dir() + "/kubeconfig";
    std::ofstream(kubeconfig_) << fmt::format(
        "apiVersion: v1\nkind: Config\ncurrent-context: it\n"
        "clusters: [{{name: it, cluster: {{server: '{}'}}}}]\n"
        "users: [{{name: it, user: {{token: it-token}}}}]\n"
        "contexts: [{{name: it, context: {{cluster: it, user: it}}}}]\n",
        api_->url());
    publish_list();
  }

  void TearDown() override {
    if (daemon_) {
      auto rc = daemon_->stop();
      EXPECT_TRUE(rc && *rc == 0) << daemon_->log();
      daemon_.reset();
    }
    if (fs_) EXPECT_TRUE(fs_->pins().empty());
    pods_.clear();
  }

  void start_daemon() {
    auto d = SeismodProcess::start({"--kubeconfig", kubeconfig_, "--node-name", kNode, "--bpffs", fs_->bpffs(),
                                    "--fault-state", fs_->state_file(), "--probes", "syscalls,exec"});
    ASSERT_TRUE(d) << d.error().message();
    daemon_.emplace(std::move(*d));
    ASSERT_TRUE(eventually([&] { return status()["pods"].value("synced", false); })) << daemon_->log();
  }

  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
    auto c = api::Client::connect(daemon_->socket());
    if (!c) return {{"error", c.error().message()}};
    auto r = c->call(method, params);
    if (!r) return {{"error", r.error().message()}};
    return *r;
  }
  nlohmann::json status() { return call("status"); }

  std::string list_json() {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& p : pods_) items.push_back(p->to_json(kNode, std::to_string(rv_)));
    return nlohmann::json{{"kind", "PodList"}, {"metadata", {{"resourceVersion", std::to_string(rv_)}}}, {"items", items}}
        .dump();
  }
  // What a relist would see: always the current set.
  void publish_list() { api_->set_list(list_json()); }

  FakePod& add_pod(FakePodOptions o, bool announce = true) {
    auto pod = FakePod::create(*tree_, &*node_, std::move(o));
    EXPECT_TRUE(pod) << pod.error().message();
    if (!pod) throw std::runtime_error("fake pod");
    pods_.push_back(std::move(*pod));
    ++rv_;
    publish_list();
    if (announce)
      api_->push_event(nlohmann::json{{"type", "ADDED"}, {"object", pods_.back()->to_json(kNode, std::to_string(rv_))}}.dump());
    return *pods_.back();
  }

  // Deletes the pod from the API (its netns and cgroups stay until the
  // returned owner is destroyed, like a pod whose kubelet is slow).
  std::unique_ptr<FakePod> delete_pod(const std::string& name) {
    auto it = std::find_if(pods_.begin(), pods_.end(), [&](const auto& p) { return p->name() == name; });
    if (it == pods_.end()) return nullptr;
    std::unique_ptr<FakePod> gone = std::move(*it);
    pods_.erase(it);
    ++rv_;
    publish_list();
    api_->push_event(nlohmann::json{{"type", "DELETED"}, {"object", gone->to_json(kNode, std::to_string(rv_))}}.dump());
    return gone;
  }

  std::vector<Sample> scrape() {
    auto text = http_get(daemon_->port(), "/metrics");
    return text ? parse_exposition(*text) : std::vector<Sample>{};
  }
  size_t series_of(const std::string& pod) {
    size_t n = 0;
    for (const auto& s : scrape()) {
      auto it = s.labels.find("pod");
      if (it != s.labels.end() && it->second == pod) ++n;
    }
    return n;
  }
  nlohmann::json fault(const std::string& name) {
    const nlohmann::json listed = call("fault.ls");  // kept alive: the loop reads into it
    for (const auto& f : listed["faults"])
      if (f.value("name", "") == name) return f;
    return nullptr;
  }
  static std::vector<std::string> pod_names(const nlohmann::json& fault) {
    std::vector<std::string> out;
    if (fault.is_object())
      for (const auto& p : fault["pods"]) out.push_back(p.value("pod", ""));
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<TestNetns> node_;
  std::optional<KubepodsTree> tree_;
  std::unique_ptr<fakes::FakeKubeApi> api_;
  std::optional<TempBpffs> fs_;
  std::string kubeconfig_;
  std::vector<std::unique_ptr<FakePod>> pods_;
  uint64_t rv_ = 100;
  std::optional<SeismodProcess> daemon_;
};

}  // namespace seismo::testing
