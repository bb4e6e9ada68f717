#include "bpf/percpu.h"

#include <bpf/bpf.h>

namespace seismo::bpf {

unsigned possible_cpus() {
  static const unsigned n = [] {
    int r = libbpf_num_possible_cpus();
    return r > 0 ? static_cast<unsigned>(r) : 1U;
  }();
  return n;
}

std::vector<uint64_t> read_loss_counters(const bpf_map* map) {
  const uint32_t slots = bpf_map__max_entries(map);
  std::vector<uint64_t> totals(slots, 0);
  std::vector<uint64_t> per_cpu(possible_cpus());
  const int fd = bpf_map__fd(map);
  for (uint32_t i = 0; i < slots; ++i) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) totals[i] += v;
  }
  return totals;
}

}  // namespace seismo::bpf
