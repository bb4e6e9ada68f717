#include "pods/pod_cgroups.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace seismo::pods {

PodCgroupIndex scan_pod_cgroups(const std::string& root, size_t max_dirs) {
  namespace fs = std::filesystem;
  PodCgroupIndex out;
  std::error_code ec;
  size_t seen = 0;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || ec) {
      ec.clear();
      continue;
    }
    if (++seen > max_dirs) break;
    std::string rel = it->path().string().substr(root.size());
    // Only kubelet's trees can hold pods; do not descend into system.slice & co.
    if (rel.find("kubepods") == std::string::npos) {
      if (it.depth() >= 2) it.disable_recursion_pending();
      continue;
    }
    auto parsed = parse_pod_cgroup(rel);
    if (!parsed) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    out[parsed->pod_uid].push_back({rel, static_cast<uint64_t>(st.st_ino), std::move(*parsed)});
  }
  for (auto& [uid, dirs] : out)
    std::stable_sort(dirs.begin(), dirs.end(), [](const PodCgroupDir& a, const PodCgroupDir& b) {
      return a.parsed.container_id.empty() && !b.parsed.container_id.empty();
    });
  return out;
}

std::vector<pid_t> pod_processes(const std::string& root, const std::vector<PodCgroupDir>& dirs, size_t max_pids) {
  std::vector<pid_t> pids;
  // Containers before the pod-level cgroup (cgroup v2 keeps processes in leaves).
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& d : dirs) {
      if (d.parsed.container_id.empty() != (pass == 1)) continue;
      std::ifstream in(root + d.path + "/cgroup.procs");
      pid_t pid = 0;
      while (pids.size() < max_pids && in >> pid) pids.push_back(pid);
    }
  }
  return pids;
}

}  // namespace seismo::pods
