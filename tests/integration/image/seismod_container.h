#pragma once

// seismod running in the image under a DaemonSetSpec: its pod network
// namespace, a private bpffs and run directory standing in for the
// /sys/fs/bpf and /run/seismo hostPaths, an API server in the pod's network
// namespace, and the container itself. All of it is removed on
// destruction, even after a failed test.

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "fake_kube_api.h"
#include "image/daemonset_spec.h"
#include "image/podman_store.h"
#include "netns_fixture.h"

namespace seismo::testing {

class SeismodContainer {
 public:
  static Result<SeismodContainer> start(const PodmanStore& podman, const std::string& image, const DaemonSetSpec& spec,
                                        const std::string& cli_path);
  SeismodContainer(SeismodContainer&& o) noexcept;
  SeismodContainer& operator=(SeismodContainer&&) = delete;
  SeismodContainer(const SeismodContainer&) = delete;
  ~SeismodContainer();

  // Waits until `seismo status` answers through the socket on the host
  // side of the /run/seismo mount; fails early when the container exits.
  Result<nlohmann::json> wait_status(std::chrono::seconds timeout);
  // The seismo CLI on the host, through the mounted socket.
  [[nodiscard]] CommandOutput cli(const std::vector<std::string>& args) const;
  // A command inside the container (podman exec: the container's
  // capabilities and security options).
  [[nodiscard]] CommandOutput exec(const std::vector<std::string>& argv) const;
  // GET http://127.0.0.1:<metrics port><path> inside the pod's netns.
  [[nodiscard]] CommandOutput http_get(const std::string& path) const;
  // podman stop with the given grace period; the container's exit code.
  Result<int> stop(std::chrono::seconds grace);
  [[nodiscard]] bool running() const;
  [[nodiscard]] std::string logs() const;
  [[nodiscard]] const TestNetns& pod_netns() const { return pod_netns_; }

 private:
  SeismodContainer(const PodmanStore& podman, TestNetns pod_netns) : podman_(&podman), pod_netns_(std::move(pod_netns)) {}
  Result<void> serve_api();
  const PodmanStore* podman_;
  TestNetns pod_netns_;
  std::unique_ptr<fakes::FakeKubeApi> api_;
  std::string name_;
  std::string work_dir_;  // bpffs/ (a private bpf mount) and run/
  bool bpffs_mounted_ = false;
  std::string socket_;
  std::string cli_path_;
  int metrics_port_ = 0;
};

}  // namespace seismo::testing
