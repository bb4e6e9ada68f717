#pragma once

// Kernel-measured cost of BPF programs: with BPF run-time statistics
// enabled (BPF_ENABLE_STATS, held by a file descriptor), the kernel counts
// each program's runs and nanoseconds. Independent of machine noise, so
// the benchmarks print it next to their end-to-end numbers.
#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>

#include "common/unique_fd.h"

namespace seismo::bench {

struct ProgRunStats {
  uint64_t runs = 0;
  uint64_t run_ns = 0;
  [[nodiscard]] double ns_per_run() const { return runs ? static_cast<double>(run_ns) / static_cast<double>(runs) : 0; }
};

// Enables run-time statistics while it lives (not available: valid() false).
class RunTimeStats {
 public:
  RunTimeStats();
  [[nodiscard]] bool valid() const { return fd_.valid(); }

 private:
  UniqueFd fd_;
};

// Sums the statistics of every loaded program whose name is in `names` and
// which process `owner` holds a file descriptor of (0: any process). Other
// sessions on the machine may run seismod too: their programs, of the same
// names, must not count.
ProgRunStats prog_run_stats(const std::set<std::string>& names, pid_t owner = 0);

}  // namespace seismo::bench
