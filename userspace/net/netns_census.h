#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "net/netns.h"

namespace seismo::net {

// Every network namespace this process can reach, each once (by nsfs
// device and inode), in this order: its own, the paths in `first` (the
// node's, /proc/1/ns/net), /run/netns/*, then each process's
// /proc/PID/ns/net (pods, under hostPID). Stops after `limit` namespaces or
// `max_processes` /proc entries; unreadable ones are skipped.
struct NetnsCensus {
  std::vector<Netns> namespaces;
  bool truncated = false;  // a bound was reached
};
NetnsCensus reachable_namespaces(const std::vector<std::string>& first, size_t limit, size_t max_processes = 65536);

}  // namespace seismo::net
