#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"
#include "probes/cgroup_stats_source.h"
#include "probes/event_stream.h"
#include "probes/hook_flavour.h"
#include "probes/probe_status.h"

struct oom_bpf;

namespace seismo::probes {

using OomCountSource = CgroupStatsSource<uint64_t>;

// One OOM kill. The victim is usually not the task that hit the limit.
struct OomEvent {
  uint64_t cgroup_id = 0;  // victim's cgroup v2 id
  uint64_t ts_ns = 0;      // CLOCK_MONOTONIC
  uint32_t pid = 0;        // victim's process
  uint32_t tid = 0;
  uint32_t uid = 0;
  uint32_t trigger_pid = 0;  // whose allocation invoked the OOM killer
  int32_t oom_score_adj = 0;
  std::string comm;
  uint64_t total_vm_kb = 0, anon_rss_kb = 0, file_rss_kb = 0, shmem_rss_kb = 0, pgtables_kb = 0;
};

Result<OomEvent> decode_oom_event(const void* data, size_t size);

// Whether this kernel's oom:mark_victim passes the victim task (6.8+);
// the error says why not ("passes only a pid", "not in BTF").
Result<void> check_mark_victim_passes_task();

struct OomProbeConfig {
  uint32_t max_entries = 10240;
  std::optional<HookFlavour> only_flavour;
};

// bpf/oom.bpf.c: OOM kills per victim cgroup and a ring buffer of kills.
class OomProbe : public OomCountSource {
 public:
  using EventCallback = std::function<void(const OomEvent&)>;
  static Result<std::unique_ptr<OomProbe>> create(const OomProbeConfig& config, EventCallback on_event);
  ~OomProbe() override;

  void for_each(const std::function<void(uint64_t, const uint64_t&)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }

 private:
  OomProbe() = default;

  struct SkelDeleter {
    void operator()(oom_bpf* s) const noexcept;
  };
  std::unique_ptr<oom_bpf, SkelDeleter> skel_;
  std::vector<bpf::LinkPtr> links_;
  ProbeStatus status_;
  std::unique_ptr<EventStream<OomEvent>> events_;  // last: stops before anything it uses goes
};

}  // namespace seismo::probes
