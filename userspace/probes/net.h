#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "probes/cgroup_stats_source.h"
#include "probes/dns_decode.h"
#include "probes/dns_tables.h"
#include "probes/event_stream.h"
#include "probes/probe_status.h"
#include "seismo/net.h"

struct net_bpf;

namespace seismo::probes {

using NetStatsSource = CgroupStatsSource<net_stats>;

struct NetProbeConfig {
  uint32_t max_entries = 10240;  // cgroups; kernel memory = rows × 32 B × CPUs
  std::string cgroup_path;       // cgroup2 directory the programs attach to (the root sees every socket)
  // Each answered DNS query (on the ring buffer's thread); null: records
  // are still read and validated, then dropped.
  std::function<void(const DnsEvent&)> on_dns;
};

// bpf/net.bpf.c: cgroup_skb ingress/egress programs counting IP packets and
// bytes per socket cgroup. Attached through BPF links, which the kernel
// always treats as BPF_F_ALLOW_MULTI, so they run alongside a CNI's
// programs on the same cgroup; they never drop (return 1). The same
// programs parse DNS clients' queries and responses: dns() reads those
// figures, and each answered query goes to NetProbeConfig::on_dns.
class NetProbe : public NetStatsSource {
 public:
  static Result<std::unique_ptr<NetProbe>> create(const NetProbeConfig& config);

  void for_each(const std::function<void(uint64_t, const net_stats&)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;
  [[nodiscard]] const ProbeStatus& status() const { return status_; }
  [[nodiscard]] DnsStatsSource& dns() { return *dns_tables_; }
  ~NetProbe() override;

 private:
  NetProbe() = default;

  struct SkelDeleter {
    void operator()(net_bpf* s) const noexcept;
  };
  std::unique_ptr<net_bpf, SkelDeleter> skel_;
  UniqueFd cgroup_fd_;
  std::vector<bpf::LinkPtr> links_;  // after skel_: destroyed first
  ProbeStatus status_;
  std::unique_ptr<DnsTables> dns_tables_;
  std::unique_ptr<EventStream<DnsEvent>> dns_events_;  // last: stops before anything it uses goes
};

}  // namespace seismo::probes
