#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "probes/dns.h"

namespace seismo::probes {

// The DNS maps of bpf/net.bpf.c read as one row per cgroup: dns_counts
// (per-CPU counts keyed by cgroup, kind and buckets) and dns_latency (one
// histogram per cgroup). Non-owning: the net probe's skeleton owns the
// maps and outlives this. Keys with out-of-range buckets are skipped and
// counted (dns_bad_key), never indexed.
class DnsTables : public DnsStatsSource {
 public:
  // `malformed_events` reads how many ring buffer records did not decode.
  DnsTables(const bpf_map* counts, const bpf_map* latency, const bpf_map* losses,
            std::function<uint64_t()> malformed_events)
      : counts_(counts), latency_(latency), losses_(losses), malformed_events_(std::move(malformed_events)) {}

  void for_each(const std::function<void(uint64_t, const DnsRow&)>& visit) override;
  void forget_cgroups(const std::vector<uint64_t>& cgroup_ids) override;
  std::vector<LossCount> losses() override;

 private:
  const bpf_map* counts_;
  const bpf_map* latency_;
  const bpf_map* losses_;
  std::function<uint64_t()> malformed_events_;
  uint64_t bad_keys_ = 0;
};

}  // namespace seismo::probes
