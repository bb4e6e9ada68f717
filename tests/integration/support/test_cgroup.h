#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::testing {

// A cgroup v2 child under the cgroup2 mount (found from mountinfo), with a
// unique name; killed and removed on destruction, even after a failed test.
class TestCgroup {
 public:
  // "/seismo-it-<tag>-<pid>-<n>". The first call in a process also removes
  // such cgroups left by test processes that are gone.
  static Result<TestCgroup> create(const std::string& tag);
  // Takes over an existing test cgroup (removed on destruction).
  static TestCgroup adopt(std::string root, std::string rel);
  // Removes the test cgroups (by name) under `mount` of test processes that
  // died before their destructors ran (a ctest timeout, a SIGKILL), so a
  // killed run leaves nothing for long. Only when their process is gone: a
  // run beside this one keeps its own.
  static void sweep_dead_runs(const std::string& mount);
  TestCgroup(TestCgroup&& o) noexcept : root_(std::move(o.root_)), rel_(std::move(o.rel_)) { o.rel_.clear(); }
  TestCgroup& operator=(TestCgroup&&) = delete;
  TestCgroup(const TestCgroup&) = delete;
  ~TestCgroup();

  // Path relative to the cgroup2 root, as seismo labels it ("/seismo-it-…").
  [[nodiscard]] const std::string& path() const { return rel_; }
  [[nodiscard]] std::string full_path() const { return root_ + rel_; }
  [[nodiscard]] uint64_t id() const;
  // Moves `pid` into this cgroup.
  Result<void> add(pid_t pid) const;
  // Kills its processes and removes the directory now.
  Result<void> remove();

 private:
  TestCgroup(std::string root, std::string rel) : root_(std::move(root)), rel_(std::move(rel)) {}
  std::string root_;
  std::string rel_;
};

// Forks, moves the child into `cg`, execs argv; returns the child's exit status.
Result<int> run_in_cgroup(const TestCgroup& cg, const std::vector<std::string>& argv, pid_t* child_pid = nullptr);

}  // namespace seismo::testing
