#pragma once

#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <vector>

namespace seismo::bpf {

// Visits every row of a per-CPU hash keyed by a __u64 cgroup id whose value
// is made only of __u64 counters, summed over CPUs field by field. Reads in
// batches of 256 rows where the kernel supports it.
void for_each_u64_row(const bpf_map* map, size_t words,
                      const std::function<void(uint64_t key, const uint64_t* summed)>& visit);

// Typed form: V must be a standard-layout struct of __u64 fields only.
template <class V>
void for_each_cgroup_row(const bpf_map* map, const std::function<void(uint64_t cgroup_id, const V&)>& visit) {
  static_assert(std::is_trivially_copyable_v<V> && sizeof(V) % sizeof(uint64_t) == 0,
                "value must be whole __u64 counters");
  for_each_u64_row(map, sizeof(V) / sizeof(uint64_t), [&](uint64_t key, const uint64_t* words) {
    V v;
    std::memcpy(&v, words, sizeof(V));
    visit(key, v);
  });
}

// Deletes the rows of these cgroups (they died: no new counts can come).
void delete_cgroup_rows(const bpf_map* map, const std::vector<uint64_t>& cgroup_ids);

}  // namespace seismo::bpf
