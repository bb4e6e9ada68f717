#pragma once

#include <time.h>

#include <cstdint>

namespace seismo::chaos {

// CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads, so fault
// expiry times compare directly with the kernel's.
inline uint64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace seismo::chaos
