#include "metrics/tcp_signal.h"

#include "metrics/budgeted_rows.h"

namespace seismo::metrics {

const Log2Histogram& TcpSignal::connect_layout() {
  static const Log2Histogram layout(12, 30, 2);
  return layout;
}

void TcpSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  using prometheus::MetricType;
  auto opened = make_family("seismo_tcp_connections_opened_total",
                            "TCP connections established: active (connect, SYN_SENT to ESTABLISHED) or passive "
                            "(accepted, SYN_RECV to ESTABLISHED), per socket-owner cgroup.",
                            MetricType::Counter);
  auto failures = make_family("seismo_tcp_connect_failures_total",
                              "Active opens that ended before ESTABLISHED (SYN_SENT to CLOSE: refused, timed out, "
                              "aborted).",
                              MetricType::Counter);
  auto retransmits = make_family("seismo_tcp_retransmits_total",
                                 "TCP retransmissions sent, one per retransmitted skb (a GSO skb holds several "
                                 "segments; see seismo_tcp_retransmitted_segments_total).",
                                 MetricType::Counter);
  auto retrans_segs = make_family("seismo_tcp_retransmitted_segments_total",
                                  "TCP segments retransmitted, per socket-owner cgroup: over a network namespace's "
                                  "cgroups it sums to the namespace's TcpRetransSegs (nstat, node_exporter).",
                                  MetricType::Counter);
  auto resets = make_family("seismo_tcp_resets_total", "TCP resets sent and received, per socket-owner cgroup.",
                            MetricType::Counter);
  auto connect = make_family("seismo_tcp_connect_duration_seconds",
                             "Active open latency, SYN_SENT to ESTABLISHED (connects begun after seismod attached).",
                             MetricType::Histogram);
  auto emit = [&](const Labels& labels, const tcp_stats& s) {
    opened.metric.push_back(counter_metric(with_label(labels, "direction", "active"), static_cast<double>(s.active_opens)));
    opened.metric.push_back(counter_metric(with_label(labels, "direction", "passive"), static_cast<double>(s.passive_opens)));
    failures.metric.push_back(counter_metric(labels, static_cast<double>(s.connect_failures)));
    retransmits.metric.push_back(counter_metric(labels, static_cast<double>(s.retransmits)));
    retrans_segs.metric.push_back(counter_metric(labels, static_cast<double>(s.retransmit_segs)));
    resets.metric.push_back(counter_metric(with_label(labels, "direction", "sent"), static_cast<double>(s.resets_sent)));
    resets.metric.push_back(counter_metric(with_label(labels, "direction", "received"), static_cast<double>(s.resets_received)));
    connect.metric.push_back(
        histogram_metric(labels, connect_layout(), s.connect_timed, s.connect_sum_ns, s.connect_hist, SEISMO_HIST_SLOTS));
  };
  tcp_stats overflow{};
  bool any_overflow = false;
  visit_budgeted(
      ctx, source_, budget_key(kBudgetTag, 0), cost(), [&](Labels labels, const tcp_stats& s) { emit(labels, s); },
      [&](const tcp_stats& s) {
        any_overflow = true;
        overflow.active_opens += s.active_opens;
        overflow.passive_opens += s.passive_opens;
        overflow.connect_failures += s.connect_failures;
        overflow.retransmits += s.retransmits;
        overflow.retransmit_segs += s.retransmit_segs;
        overflow.resets_sent += s.resets_sent;
        overflow.resets_received += s.resets_received;
        overflow.connect_timed += s.connect_timed;
        overflow.connect_sum_ns += s.connect_sum_ns;
        for (int i = 0; i < SEISMO_HIST_SLOTS; ++i) overflow.connect_hist[i] += s.connect_hist[i];
      });
  if (any_overflow) emit(ctx.labeler.overflow_labels(), overflow);
  for (auto* f : {&opened, &failures, &retransmits, &retrans_segs, &resets, &connect}) out.push_back(std::move(*f));
}

void TcpSignal::summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) {
  source_.for_each([&](uint64_t cgroup_id, const tcp_stats& s) {
    CgroupSummary* sum = summary_for(ctx, out, cgroup_id);
    if (!sum) return;
    sum->columns["tcp_opens"] += static_cast<double>(s.active_opens + s.passive_opens);
    sum->columns["tcp_connect_failures"] += static_cast<double>(s.connect_failures);
    sum->columns["tcp_retransmits"] += static_cast<double>(s.retransmits);
    sum->columns["tcp_resets"] += static_cast<double>(s.resets_sent + s.resets_received);
    sum->columns["tcp_connects_timed"] += static_cast<double>(s.connect_timed);
    sum->columns["tcp_connect_seconds"] += static_cast<double>(s.connect_sum_ns) / 1e9;
  });
}

}  // namespace seismo::metrics
