#pragma once

#include "metrics/signal.h"
#include "probes/dns.h"

namespace seismo::metrics {

// seismo_dns_requests_total{…,rcode,qtype}, seismo_dns_latency_seconds and
// seismo_dns_malformed_total{…,direction} per cgroup of the querying
// socket. Budget groups: one per cgroup (the histogram and both malformed
// directions) and one per (cgroup, rcode, qtype) pair seen; refused groups
// fold into the overflow series, keeping their rcode/qtype/direction.
class DnsSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 7;
  explicit DnsSignal(probes::DnsStatsSource& source) : source_(source) {}

  // 16.4 µs … 2.15 s, every power of two (the kernel's last slot starts at
  // 2^31 ns, so no exact bound past it): a local cache answers in tens of
  // µs, an upstream in ms, a timeout-and-retry in seconds.
  static const Log2Histogram& layout();
  static uint32_t cgroup_cost() { return static_cast<uint32_t>(layout().bucket_count()) + 2 + 2; }

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

 private:
  probes::DnsStatsSource& source_;
};

}  // namespace seismo::metrics
