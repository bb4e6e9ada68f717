#pragma once

#include <array>
#include <cstdint>

#include "probes/cgroup_stats_source.h"
#include "seismo/dns.h"

namespace seismo::probes {

// The metric's rcode and qtype labels, indexed by the kernel's buckets
// (bpf/include/seismo/dns.h). Fixed sets: a query name never becomes a label.
inline constexpr std::array<const char*, SEISMO_DNS_RCODE_BUCKETS> kDnsRcodeLabels{
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "other"};
inline constexpr std::array<const char*, SEISMO_DNS_QTYPE_BUCKETS> kDnsQtypeLabels{
    "A", "AAAA", "CNAME", "PTR", "MX", "TXT", "SRV", "NS", "SOA", "HTTPS", "SVCB", "ANY", "other"};
inline constexpr std::array<const char*, 2> kDnsDirectionLabels{"ingress", "egress"};  // SEISMO_DNS_DIR_*

// One cgroup's DNS figures, cumulative: answered requests by rcode and
// qtype bucket, packets that did not parse by direction, and the latency
// histogram of the answered requests.
struct DnsRow {
  std::array<std::array<uint64_t, SEISMO_DNS_QTYPE_BUCKETS>, SEISMO_DNS_RCODE_BUCKETS> requests{};
  std::array<uint64_t, 2> malformed{};
  uint64_t latency_count = 0;
  uint64_t latency_sum_ns = 0;
  std::array<uint64_t, SEISMO_HIST_SLOTS> latency_hist{};
};

using DnsStatsSource = CgroupStatsSource<DnsRow>;

}  // namespace seismo::probes
