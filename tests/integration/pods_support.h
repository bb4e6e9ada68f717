#pragma once

// "Pods" for integration tests without a cluster: a network namespace whose
// eth0 is a veth to a shared "node" namespace, a cgroup v2 scope named the
// way kubelet's systemd driver names it, and a process in both; plus the Pod
// JSON the fake API server serves for it. Everything lives under unique
// names and is removed by destructors, also when a test fails part-way.

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "netns_fixture.h"

namespace seismo::testing {

// <cgroup2 mount>/seismo-it-pods-<unique>/kubepods.slice/kubepods-besteffort.slice:
// the test's private kubepods tree. Removed (processes killed) on destruction.
class KubepodsTree {
 public:
  static Result<KubepodsTree> create();
  KubepodsTree(KubepodsTree&& o) noexcept : mount_(std::move(o.mount_)), top_(std::exchange(o.top_, {})) {}
  KubepodsTree& operator=(KubepodsTree&&) = delete;
  KubepodsTree(const KubepodsTree&) = delete;
  ~KubepodsTree();

  [[nodiscard]] const std::string& mount() const { return mount_; }
  // Relative to the mount: where pod slices go.
  [[nodiscard]] std::string qos_dir() const { return top_ + "/kubepods.slice/kubepods-besteffort.slice"; }

 private:
  KubepodsTree(std::string mount, std::string top) : mount_(std::move(mount)), top_(std::move(top)) {}
  std::string mount_;
  std::string top_;
};

// Removes a cgroup directory tree bottom-up, killing what runs in it.
void remove_cgroup_tree(const std::string& dir);

struct FakePodOptions {
  std::string namespace_name;
  std::string name;
  std::map<std::string, std::string> labels;
  int index = 0;           // picks the pod's /24: 10.201.<index>.0/24
  bool with_network = true;  // false: cgroup and process only (churn tests)
  // The pod's metadata.uid when an API server assigned it (the cluster
  // tests create the Pod first); empty: a random one.
  std::string uid;
  // spec.hostNetwork as the API would say it. The fake pod still gets a
  // netns of its own (standing for the node's, which a test must not touch).
  bool host_network = false;
  // A static pod: its cgroups carry a 32-hex config hash as UID and the API
  // object is the kubelet's mirror pod, with a UID of its own and the hash
  // in kubernetes.io/config.mirror.
  bool static_pod = false;
};

class FakePod {
 public:
  static Result<std::unique_ptr<FakePod>> create(const KubepodsTree& tree, const TestNetns* node,
                                                 FakePodOptions options);
  ~FakePod();
  FakePod(const FakePod&) = delete;
  FakePod& operator=(const FakePod&) = delete;

  [[nodiscard]] const std::string& uid() const { return uid_; }
  // The container's 64-hex id, as status.containerStatuses[].containerID has it after "containerd://".
  [[nodiscard]] const std::string& container_id() const { return container_id_; }
  // The address of eth0 inside the pod (status.podIP).
  [[nodiscard]] std::string pod_ip() const;
  [[nodiscard]] const std::string& name() const { return options_.name; }
  [[nodiscard]] const std::string& namespace_name() const { return options_.namespace_name; }
  [[nodiscard]] std::string scope_path() const { return scope_; }  // relative to the cgroup2 mount
  [[nodiscard]] std::string node_ip() const;
  [[nodiscard]] const TestNetns* netns() const { return netns_ ? &*netns_ : nullptr; }
  [[nodiscard]] nlohmann::json to_json(const std::string& node_name, const std::string& resource_version) const;

  // Runs argv as a process of the pod's container (its cgroup and netns);
  // returns its exit status.
  int run(const std::vector<std::string>& argv) const;
  // Datagrams that reach the node side out of `count` UDP datagrams the
  // pod sends there (-1 when the run itself failed).
  int udp_received(const TestNetns& node, int count) const;
  // Kills its processes and removes its cgroups (what kubelet does after the pod is deleted).
  void remove_cgroups();

 private:
  explicit FakePod(FakePodOptions options) : options_(std::move(options)) {}
  FakePodOptions options_;
  std::string mount_;
  std::string uid_;         // what the cgroups carry (a static pod's hash)
  std::string mirror_uid_;  // a static pod's API UID
  std::string container_id_;
  std::string pod_slice_;  // relative to the mount
  std::string scope_;
  std::optional<TestNetns> netns_;
  std::optional<VethPair> veth_;
  pid_t sleeper_ = -1;
};

}  // namespace seismo::testing
