#pragma once

// podman with a storage, run root and containers.conf of its own under a
// fresh directory, so a test neither sees nor leaves images, containers or
// settings in the machine's podman. runc with cgroupfs: crun refuses this
// machine's hybrid cgroups, and podman's default ulimits (raised nofile)
// are refused in a container without CAP_SYS_RESOURCE.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "netns_fixture.h"

namespace seismo::testing {

class PodmanStore {
 public:
  // Fails with the reason when podman or runc is missing.
  static Result<PodmanStore> create();
  PodmanStore(PodmanStore&& o) noexcept : dir_(std::exchange(o.dir_, {})) {}
  PodmanStore& operator=(PodmanStore&&) = delete;
  PodmanStore(const PodmanStore&) = delete;
  ~PodmanStore();

  // `podman <args>` against this store, killed after `timeout`.
  [[nodiscard]] CommandOutput run(const std::vector<std::string>& args, std::chrono::seconds timeout) const;
  Result<std::string> run_checked(const std::vector<std::string>& args, std::chrono::seconds timeout) const;
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  static constexpr const char* kPrefix = "seismo-image-";
  static void sweep_stale();
  explicit PodmanStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace seismo::testing
