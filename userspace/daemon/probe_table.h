#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/config.h"
#include "daemon/running_probe.h"
#include "daemon/trace_publisher.h"
#include "probes/hook_flavour.h"

namespace seismo::daemon {

// What a probe family needs from the daemon to start.
struct ProbeContext {
  const Config& config;
  std::optional<probes::HookFlavour> flavour;  // --hook-flavour, unset for auto
  bool full_syscalls = true;                   // --syscall-mode full
  uint64_t root_cgroup_id = 0;
  std::string net_cgroup;  // --net-cgroup, or the cgroup2 root
  TracePublisher& traces;  // where exec/tcp/oom events go (outlives the probes)
};

// One row of the daemon's probe table: the name --probes selects it by (and
// status/doctor/seismo_probe_attached report it under), and how it starts:
// load and attach the probe, and build the signal that exports its series and
// losses. Rows start in table order and are torn down in reverse.
struct ProbeEntry {
  const char* name;
  Result<RunningProbe> (*start)(const ProbeContext& ctx);
};

// Every probe family seismod knows; probe_names() (config.h) lists their
// names for --probes.
std::span<const ProbeEntry> probe_table();

}  // namespace seismo::daemon
