#include "prog_stats.h"

#include <dirent.h>

#include <fstream>
#include <string>

#include <bpf/bpf.h>

namespace seismo::bench {

namespace {

// The BPF program ids whose file descriptors `pid` holds (fdinfo's prog_id).
std::set<__u32> prog_ids_held_by(pid_t pid) {
  std::set<__u32> ids;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* d = opendir(dir.c_str());
  if (!d) return ids;
  while (dirent* e = readdir(d)) {
    std::ifstream in(dir + "/" + e->d_name);
    std::string key;
    while (in >> key) {
      if (key == "prog_id:") {
        __u32 id = 0;
        if (in >> id) ids.insert(id);
        break;
      }
    }
  }
  closedir(d);
  return ids;
}

}  // namespace

RunTimeStats::RunTimeStats() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {}

ProgRunStats prog_run_stats(const std::set<std::string>& names, pid_t owner) {
  ProgRunStats total;
  const std::set<__u32> held = owner > 0 ? prog_ids_held_by(owner) : std::set<__u32>{};
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    if (owner > 0 && !held.count(id)) continue;
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) continue;
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd.get(), &info, &len) != 0 || !names.count(info.name)) continue;
    total.runs += info.run_cnt;
    total.run_ns += info.run_time_ns;
  }
  return total;
}

}  // namespace seismo::bench
