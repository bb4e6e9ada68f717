#pragma once

// What the soak counts on the kernel side besides the daemon's own
// descriptors: tc objects on its devices, a cgroup tree's live and dying
// descendants, and faults still recorded in the engine's state file.

#include <string>

#include "netns_fixture.h"

namespace seismo::bench {

// Qdiscs other than a veth's default (noqueue) plus tc filters, on `dev` in `ns`.
// -1 when tc could not be run.
long tc_objects(const testing::TestNetns& ns, const std::string& dev);

struct CgroupCounts {
  long descendants = -1;
  long dying = -1;  // removed but still referenced (by a process, a BPF object, page cache)
};
// From <dir>/cgroup.stat.
CgroupCounts cgroup_counts(const std::string& dir);

// Faults and devices the state file still records (0 when it is gone); -1
// when it exists but cannot be read as JSON.
long state_file_entries(const std::string& path);

}  // namespace seismo::bench
