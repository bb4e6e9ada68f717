#include "bpf/cgroup_rows.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

#include "bpf/percpu.h"
#include "common/log.h"

namespace seismo::bpf {

namespace {
constexpr uint32_t kBatch = 256;

void sum_into(std::vector<uint64_t>& out, const uint64_t* per_cpu, size_t words, unsigned ncpu) {
  out.assign(words, 0);
  for (unsigned c = 0; c < ncpu; ++c)
    for (size_t w = 0; w < words; ++w) out[w] += per_cpu[c * words + w];
}

void iterate(int fd, size_t words, unsigned ncpu, const std::function<void(uint64_t, const uint64_t*)>& visit) {
  std::vector<uint64_t> per_cpu(words * ncpu), summed;
  uint64_t key = 0, next = 0;
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0) {
    first = false;
    key = next;
    if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) != 0) continue;
    sum_into(summed, per_cpu.data(), words, ncpu);
    visit(key, summed.data());
  }
}
}  // namespace

void for_each_u64_row(const bpf_map* map, size_t words,
                      const std::function<void(uint64_t key, const uint64_t* summed)>& visit) {
  const int fd = bpf_map__fd(map);
  const unsigned ncpu = possible_cpus();
  std::vector<uint64_t> keys(kBatch), values(size_t{kBatch} * ncpu * words), summed;
  uint64_t cursor = 0;
  bool first = true;
  for (;;) {
    uint32_t count = kBatch;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &cursor, &cursor, keys.data(), values.data(), &count, &opts);
    int e = err ? errno : 0;
    if (err && e != ENOENT) {
      // No batch ops for this map type/kernel: one row at a time.
      if (first) return iterate(fd, words, ncpu, visit);
      log::warn("read {}: batch lookup failed midway: {}", bpf_map__name(map), std::strerror(e));
      return;
    }
    first = false;
    for (uint32_t i = 0; i < count; ++i) {
      sum_into(summed, values.data() + size_t{i} * ncpu * words, words, ncpu);
      visit(keys[i], summed.data());
    }
    if (e == ENOENT) return;
  }
}

void delete_cgroup_rows(const bpf_map* map, const std::vector<uint64_t>& cgroup_ids) {
  const int fd = bpf_map__fd(map);
  for (uint64_t id : cgroup_ids) bpf_map_delete_elem(fd, &id);
}

}  // namespace seismo::bpf
