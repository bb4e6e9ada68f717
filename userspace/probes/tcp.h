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
#include "seismo/tcp.h"

struct tcp_bpf;

namespace seismo::probes {

using TcpStatsSource = CgroupStatsSource<tcp_stats>;

enum class TcpEventKind { retransmit, reset_sent, reset_received };

// A retransmit or reset, from this host's side of the connection.
struct TcpEvent {
  TcpEventKind kind = TcpEventKind::retransmit;
  uint64_t cgroup_id = 0;  // the socket owner's cgroup
  uint64_t ts_ns = 0;      // CLOCK_MONOTONIC
  std::string family;      // "ipv4", "ipv6"
  std::string saddr;       // local address
  uint16_t sport = 0;
  std::string daddr;       // remote address
  uint16_t dport = 0;
  uint8_t state = 0;
};

// "tcp_retransmit", "tcp_reset_sent", "tcp_reset_received".
const char* tcp_event_kind_name(TcpEventKind kind);
// "ESTABLISHED", "SYN_SENT", … (include/net/tcp_states.h); "UNKNOWN" otherwise.
const char* tcp_state_name(uint8_t state);
// Decodes one ring buffer record; rejects wrong size/version/kind.
Result<TcpEvent> decode_tcp_event(const void* data, size_t size);

struct TcpProbeConfig {
  uint32_t max_entries = 10240;      // cgroups; kernel memory = rows × 320 B × CPUs
  uint32_t connect_entries = 16384;  // connects in SYN_SENT at once
  uint32_t ring_bytes = 4 << 20;     // retransmit/reset ring buffer (power of two): 64k records
  uint64_t root_cgroup_id = 1;       // owner of sockets that have none (TIME_WAIT, no socket)
  std::optional<HookFlavour> only_flavour;
};

// bpf/tcp.bpf.c: TCP counters per socket-owner cgroup, connect latency,
// and a ring buffer of retransmits and resets consumed on its own thread.
class TcpProbe : public TcpStatsSource {
 public:
  using EventCallback = std::function<void(const TcpEvent&)>;
  static Result<std::unique_ptr<TcpProbe>> create(const TcpProbeConfig& config, EventCallback on_event);
  ~TcpProbe() override;

  void for_each(const std::function<void(uint64_t, const tcp_stats&)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }

 private:
  TcpProbe() = default;

  struct SkelDeleter {
    void operator()(tcp_bpf* s) const noexcept;
  };
  std::unique_ptr<tcp_bpf, SkelDeleter> skel_;
  std::vector<bpf::LinkPtr> links_;
  ProbeStatus status_;
  std::unique_ptr<EventStream<TcpEvent>> events_;  // last: stops before anything it uses goes
};

}  // namespace seismo::probes
