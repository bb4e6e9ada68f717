#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace seismo::chaos {

// A cgroup v2 directory as a target.by: socket fault names it to the
// kernel: bpf_skb_ancestor_cgroup_id(skb, level) == id holds for sockets in
// it or below it.
struct CgroupTarget {
  std::string path;  // absolute directory ("/sys/fs/cgroup/unified/kubepods/…")
  std::string relative;  // below the cgroup2 mount ("/kubepods/…")
  uint64_t id = 0;       // the directory's inode number: the kernel's cgroup id
  uint32_t level = 0;    // path components below the mount (the root is 0)
  bool operator==(const CgroupTarget&) const = default;
};

// Reads `dir` (a directory under the cgroup2 mount `root`). ENOENT names
// target.cgroup when it is not there.
Result<CgroupTarget> read_cgroup_target(const std::string& root, const std::string& dir);

}  // namespace seismo::chaos
