#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::testing {

// A cgroup v2 child under the cgroup2 mount (found from mountinfo), with a
// unique name; killed and removed on destruction, even after a failed test.
class TestCgroup {
 public:
  static Result<TestCgroup> create(const std::string& tag);
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
