#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

namespace seismo::bpf {

// Number of possible CPUs, as per-CPU map values are laid out. Cached.
unsigned possible_cpus();

// Sums the per-CPU u64 counters of a `losses` array (one per stage).
std::vector<uint64_t> read_loss_counters(const bpf_map* map);

}  // namespace seismo::bpf
