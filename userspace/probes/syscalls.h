#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "bpf/mapped_map.h"
#include "common/result.h"
#include "probes/hook_flavour.h"
#include "probes/loss_stage.h"
#include "probes/probe_status.h"
#include "seismo/syscalls.h"

struct syscalls_bpf;

namespace seismo::probes {

// One (cgroup, syscall) row, summed over CPUs.
struct SyscallSample {
  uint64_t cgroup_id = 0;
  uint32_t nr = 0;
  syscall_stats stats{};
};

// What the metrics side needs from the syscall probe; unit tests fake it.
class SyscallStatsSource {
 public:
  virtual ~SyscallStatsSource() = default;
  // Visits every row currently in the kernel map. A removed cgroup's rows
  // are deleted by the kernel at its rmdir, not by userspace: a deletion
  // from here could race with a new cgroup that reuses the address.
  virtual void for_each(const std::function<void(const SyscallSample&)>& visit) = 0;
  virtual std::vector<LossCount> losses() = 0;
};

struct SyscallsProbeConfig {
  uint32_t max_entries = 10240;  // (cgroup, syscall) rows; kernel memory = rows × 296 B × CPUs
  bool count_only = false;       // sys_exit only: no latency histogram, one hook hit per syscall
  std::optional<HookFlavour> only_flavour;  // unset: tp_btf, falling back to raw_tp
  // Direct-mapped cache slots per CPU in front of the hash (power of two; 0
  // disables it). Unset: as many as fit in ~8 MiB over all CPUs, 64..4096.
  std::optional<uint32_t> cache_slots_per_cpu;
};

// The cache size chosen for `cpus` CPUs when none is configured.
uint32_t default_cache_slots(unsigned cpus);

// Loads bpf/syscalls.bpf.c (tp_btf, falling back to raw_tp) and reads its
// per-CPU map on demand.
class SyscallsProbe : public SyscallStatsSource {
 public:
  static Result<std::unique_ptr<SyscallsProbe>> create(const SyscallsProbeConfig& config);

  void for_each(const std::function<void(const SyscallSample&)>& visit) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }

 private:
  SyscallsProbe() = default;
  void read_hash(const std::function<void(const SyscallSample&)>& visit);
  void read_hash_iterating(const std::function<void(const SyscallSample&)>& visit);

  struct SkelDeleter {
    void operator()(syscalls_bpf* s) const noexcept;
  };
  std::unique_ptr<syscalls_bpf, SkelDeleter> skel_;
  std::optional<bpf::MappedMap> cache_;  // unmapped before the skeleton goes
  uint32_t cache_slots_ = 0;
  std::vector<bpf::LinkPtr> links_;  // declared after skel_: destroyed first
  ProbeStatus status_;
  std::vector<uint8_t> keys_buf_, values_buf_;
  size_t last_rows_ = 0;  // rows merged last time: the next merge reserves as many
  bool batch_supported_ = true;
};

}  // namespace seismo::probes
