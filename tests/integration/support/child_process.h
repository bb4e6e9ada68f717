#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::testing {

// Where a child runs: cgroups it joins before exec (cgroup.procs files, v1
// or v2) and a network namespace (/run/netns/<name>) it enters.
struct SpawnOptions {
  std::vector<std::string> cgroup_procs;
  std::string netns_path;
};

// A child process whose stdout the test reads (for "ready"). Killed and
// reaped on destruction, even after a failed test.
class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Waits for a "ready" line on the child's stdout.
  Result<void> wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Exit code, or 128 + signal; error on timeout (the child keeps running).
  Result<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

}  // namespace seismo::testing
