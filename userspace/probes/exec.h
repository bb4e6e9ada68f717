#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"
#include "probes/event_stream.h"
#include "probes/hook_flavour.h"
#include "probes/loss_stage.h"
#include "probes/probe_status.h"

struct exec_bpf;

namespace seismo::probes {

struct ExecEvent {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t cgroup_id = 0;
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
  std::string comm;
  std::string filename;
};

// Decodes one ring buffer record; rejects wrong size/version/kind.
Result<ExecEvent> decode_exec_event(const void* data, size_t size);

// Per-cgroup exec counts as the metrics side reads them; faked in tests.
class ExecCountSource {
 public:
  virtual ~ExecCountSource() = default;
  virtual void for_each(const std::function<void(uint64_t cgroup_id, uint64_t execs)>& visit) = 0;
  virtual void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) = 0;
  virtual std::vector<LossCount> losses() = 0;
};

struct ExecProbeConfig {
  uint32_t max_entries = 10240;
  std::optional<HookFlavour> only_flavour;  // unset: tp_btf, falling back to raw_tp
};

// bpf/exec.bpf.c: counts execs per cgroup in the kernel and streams one
// record per exec through a ring buffer, consumed on its own thread.
class ExecProbe : public ExecCountSource {
 public:
  using EventCallback = std::function<void(const ExecEvent&)>;
  static Result<std::unique_ptr<ExecProbe>> create(const ExecProbeConfig& config, EventCallback on_event);
  ~ExecProbe() override;

  void for_each(const std::function<void(uint64_t, uint64_t)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }

 private:
  ExecProbe() = default;

  struct SkelDeleter {
    void operator()(exec_bpf* s) const noexcept;
  };
  std::unique_ptr<exec_bpf, SkelDeleter> skel_;
  std::vector<bpf::LinkPtr> links_;
  ProbeStatus status_;
  std::unique_ptr<EventStream<ExecEvent>> events_;  // last: stops before anything it uses goes
};

}  // namespace seismo::probes
