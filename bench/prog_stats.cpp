#include "prog_stats.h"

#include <bpf/bpf.h>

namespace seismo::bench {

RunTimeStats::RunTimeStats() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {}

ProgRunStats prog_run_stats(const std::set<std::string>& names) {
  ProgRunStats total;
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
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
