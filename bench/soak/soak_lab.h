#pragma once

// Everything the soak creates outside its own process, under unique names:
// a private bpffs directory (kubeconfig, seismod's log and state file in
// it), a namespace pair joined by a veth (the fault's device), a private
// kubepods cgroup tree, and the fake API server. Members are removed in
// reverse order: the API server first, the bpffs directory last.

#include <unistd.h>

#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chaos_support.h"
#include "common/result.h"
#include "fake_kube_api.h"
#include "pods_support.h"

namespace seismo::bench {

struct Lab {
  testing::TempBpffs fs;
  testing::NetnsPair net;
  testing::KubepodsTree tree;
  std::unique_ptr<fakes::FakeKubeApi> api;
  std::string socket = fmt::format("/tmp/seismo-soak-{}.sock", ::getpid());
  std::string node = fmt::format("soak-node-{}", ::getpid());
  std::string pod_namespace = fmt::format("soak-{}", ::getpid());
  ~Lab() { ::unlink(socket.c_str()); }

  [[nodiscard]] std::string kubeconfig() const { return fs.dir() + "/kubeconfig"; }
  [[nodiscard]] std::string log() const { return fs.dir() + "/seismod.log"; }
  [[nodiscard]] std::string pods_dir() const { return tree.mount() + tree.qos_dir(); }
  // The tree's top directory name: in the cgroup label of every soak series.
  [[nodiscard]] std::string tree_name() const {
    const std::string q = tree.qos_dir();
    return q.substr(1, q.find('/', 1) - 1);
  }
  // qdiscs and filters on both ends of the veth.
  [[nodiscard]] long tc_objects() const;
};

Result<std::unique_ptr<Lab>> make_lab();

// seismod's `status` answer, or an empty object when it does not answer.
nlohmann::json daemon_status(const std::string& socket);

}  // namespace seismo::bench
