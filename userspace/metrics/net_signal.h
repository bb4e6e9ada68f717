#pragma once

#include "metrics/signal.h"
#include "probes/net.h"

namespace seismo::metrics {

// seismo_network_packets_total and seismo_network_bytes_total per
// {cgroup, direction="ingress"|"egress"}.
class NetSignal : public Signal {
 public:
  static constexpr uint16_t kBudgetTag = 3;
  static constexpr uint32_t kCost = 4;  // packets and bytes, two directions
  explicit NetSignal(probes::NetStatsSource& source) : source_(source) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override;
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override;
  std::vector<probes::LossCount> losses() override { return source_.losses(); }

 private:
  probes::NetStatsSource& source_;
};

}  // namespace seismo::metrics
