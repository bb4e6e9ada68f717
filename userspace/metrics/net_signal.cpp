#include "metrics/net_signal.h"

#include "metrics/budgeted_rows.h"

namespace seismo::metrics {

void NetSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  auto packets = make_family("seismo_network_packets_total",
                             "IP packets sent and received by sockets of the cgroup (GSO/GRO super-packets count as "
                             "their segments).",
                             prometheus::MetricType::Counter);
  auto bytes = make_family("seismo_network_bytes_total",
                           "IP-layer bytes (IP and transport headers included) sent and received by sockets of the "
                           "cgroup.",
                           prometheus::MetricType::Counter);
  auto emit = [&](const Labels& labels, const net_stats& s) {
    packets.metric.push_back(counter_metric(with_label(labels, "direction", "ingress"), static_cast<double>(s.rx_packets)));
    packets.metric.push_back(counter_metric(with_label(labels, "direction", "egress"), static_cast<double>(s.tx_packets)));
    bytes.metric.push_back(counter_metric(with_label(labels, "direction", "ingress"), static_cast<double>(s.rx_bytes)));
    bytes.metric.push_back(counter_metric(with_label(labels, "direction", "egress"), static_cast<double>(s.tx_bytes)));
  };
  net_stats overflow{};
  bool any_overflow = false;
  visit_budgeted(
      ctx, source_, budget_key(kBudgetTag, 0), kCost, [&](Labels labels, const net_stats& s) { emit(labels, s); },
      [&](const net_stats& s) {
        any_overflow = true;
        overflow.rx_packets += s.rx_packets;
        overflow.rx_bytes += s.rx_bytes;
        overflow.tx_packets += s.tx_packets;
        overflow.tx_bytes += s.tx_bytes;
      });
  if (any_overflow) emit(ctx.labeler.overflow_labels(), overflow);
  out.push_back(std::move(packets));
  out.push_back(std::move(bytes));
}

void NetSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](uint64_t cgroup_id, const net_stats& s) {
    CgroupSummary* sum = summary_for(ctx, out, cgroup_id);
    if (!sum) return;
    sum->columns["rx_bytes"] += static_cast<double>(s.rx_bytes);
    sum->columns["tx_bytes"] += static_cast<double>(s.tx_bytes);
    sum->columns["rx_packets"] += static_cast<double>(s.rx_packets);
    sum->columns["tx_packets"] += static_cast<double>(s.tx_packets);
  });
}

}  // namespace seismo::metrics
