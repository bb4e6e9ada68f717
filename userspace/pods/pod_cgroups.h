#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pods/cgroup_pod_parser.h"

namespace seismo::pods {

// One kubelet-created cgroup directory of a pod.
struct PodCgroupDir {
  std::string path;  // relative to the cgroup2 mount
  uint64_t id = 0;   // cgroup id (directory inode), as BPF reports it
  PodCgroup parsed;
};

// pod uid → its cgroup directories (pod level first, then containers).
using PodCgroupIndex = std::map<std::string, std::vector<PodCgroupDir>>;

// Walks the cgroup2 tree under `root` (at most `max_dirs` directories) and
// groups the directories kubelet created by pod uid. Directories that are
// not a pod's are skipped; unreadable ones too.
PodCgroupIndex scan_pod_cgroups(const std::string& root, size_t max_dirs = 200000);

// The processes in a pod's cgroups (containers first: the pod-level cgroup
// normally holds none), at most `max_pids`.
std::vector<pid_t> pod_processes(const std::string& root, const std::vector<PodCgroupDir>& dirs,
                                 size_t max_pids = 4096);

}  // namespace seismo::pods
