#pragma once

#include "metrics/log2_histogram.h"
#include "metrics/signal.h"
#include "probes/tcp.h"

namespace seismo::metrics {

// seismo_tcp_* per socket-owner cgroup: connections opened (active/passive),
// connect failures, retransmits, resets (sent/received) and the connect
// latency histogram.
class TcpSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 4;
  explicit TcpSignal(probes::TcpStatsSource& source) : source_(source) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

  // Connect latency buckets: 4.1 µs … 1.07 s, every second log2 edge (the kernel
  // histogram ends at 2^31 ns; a connect that needed two SYN retransmits is in +Inf).
  static const Log2Histogram& connect_layout();
  // Series one cgroup costs in the budget.
  static uint32_t cost() { return 7 + static_cast<uint32_t>(connect_layout().bucket_count()) + 2; }

 private:
  probes::TcpStatsSource& source_;
};

}  // namespace seismo::metrics
