#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace seismo::cgroup {

// One line of /proc/<pid>/mountinfo (the fields seismo needs).
struct MountEntry {
  std::string mount_point;  // octal escapes (\040) decoded
  std::string root;         // root of the mount within its filesystem
  std::string fs_type;
  std::string source;
  std::string super_options;
};

// Parses mountinfo text. Malformed lines are skipped (counted in `skipped`).
std::vector<MountEntry> parse_mountinfo(std::string_view text, size_t* skipped = nullptr);

// The first mount of `fs_type` (e.g. "cgroup2", "bpf", "tracefs") in the
// given mountinfo file; ENOENT names the filesystem when there is none.
Result<MountEntry> find_mount(std::string_view fs_type, const std::string& mountinfo_path = "/proc/self/mountinfo");

// A cgroup v1 hierarchy carrying `controller` (e.g. "memory"), if mounted.
std::optional<MountEntry> find_cgroup1_controller(const std::vector<MountEntry>& mounts, std::string_view controller);

Result<std::string> read_file(const std::string& path, size_t max_bytes = 4 << 20);

}  // namespace seismo::cgroup
