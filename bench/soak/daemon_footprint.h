#pragma once

// What a process holds, read from /proc: resident memory, descriptors,
// threads, and the BPF programs, maps and links among its descriptors (with
// their kernel ids, so the soak can check after exit that each one is gone).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "common/result.h"

namespace seismo::bench {

struct BpfIds {
  std::set<uint32_t> progs, maps, links;
  void merge(const BpfIds& other);
};

struct DaemonFootprint {
  long rss_kib = 0;
  size_t fds = 0;
  size_t threads = 0;
  size_t bpf_progs = 0, bpf_maps = 0, bpf_links = 0;
  BpfIds ids;
  double cpu_seconds = 0;  // utime + stime so far
};

Result<DaemonFootprint> read_footprint(pid_t pid);

// Ids of `ids` the kernel still knows, after waiting up to `timeout` for them
// to go (the kernel frees a BPF object after an RCU grace period).
BpfIds surviving(const BpfIds& ids, std::chrono::milliseconds timeout);

}  // namespace seismo::bench
