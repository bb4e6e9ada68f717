#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/unique_fd.h"

namespace seismo::cgroup {

// Maps cgroup v2 ids (what bpf_get_current_cgroup_id() returns: the inode
// number of the cgroup's directory in cgroup2fs) to paths relative to the
// cgroup2 mount ("/" for the root, "/system.slice/cron.service").
//
// Cached entries are re-checked with one stat() per id per pass, so a cgroup
// that was removed (or replaced by a new one at the same path) is noticed by
// the next pass; an unknown id triggers at most one tree rescan per pass.
// Not thread-safe: the scrape path owns it under its mutex.
class CgroupResolver {
 public:
  explicit CgroupResolver(std::string root, size_t max_dirs = 200000);

  // Starts a new pass (one per scrape).
  void begin_pass() { ++pass_; rescanned_in_pass_ = false; }

  // The live cgroup's path for `id`, or nullopt when no such cgroup exists.
  std::optional<std::string> lookup(uint64_t id);

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] uint64_t rescans() const { return rescans_; }
  [[nodiscard]] size_t cached() const { return cache_.size(); }

 private:
  struct Entry {
    std::string path;
    uint64_t checked_pass = 0;
  };
  void rescan();
  bool still_valid(uint64_t id, const std::string& rel);

  std::string root_;
  UniqueFd root_fd_;  // opened at the first check (the root may appear later)
  size_t max_dirs_;
  std::unordered_map<uint64_t, Entry> cache_;
  uint64_t pass_ = 1;
  bool rescanned_in_pass_ = false;
  uint64_t rescans_ = 0;
};

}  // namespace seismo::cgroup
