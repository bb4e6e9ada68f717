#include "metrics/dns_signal.h"

#include "metrics/budgeted_rows.h"

namespace seismo::metrics {

namespace {

struct Families {
  prometheus::MetricFamily requests = make_family(
      "seismo_dns_requests_total",
      "DNS queries sent by sockets of the cgroup and answered, by the response's rcode and the question's type "
      "(counted once, when the response is matched to its query).",
      prometheus::MetricType::Counter);
  prometheus::MetricFamily latency = make_family(
      "seismo_dns_latency_seconds",
      "Time from a DNS query leaving a socket of the cgroup to its response arriving, answered queries only.",
      prometheus::MetricType::Histogram);
  prometheus::MetricFamily malformed = make_family(
      "seismo_dns_malformed_total",
      "Packets to or from port 53 of the cgroup's sockets that did not parse as a DNS query or response (short, "
      "truncated, bad labels, compression in the question, qdcount != 1, name over 255 bytes).",
      prometheus::MetricType::Counter);

  void emit_cgroup(const Labels& labels, const probes::DnsRow& row) {
    latency.metric.push_back(histogram_metric(labels, DnsSignal::layout(), row.latency_count, row.latency_sum_ns,
                                              row.latency_hist.data(), SEISMO_HIST_SLOTS));
    for (size_t d = 0; d < row.malformed.size(); ++d)
      malformed.metric.push_back(
          counter_metric(with_label(labels, "direction", probes::kDnsDirectionLabels[d]),
                         static_cast<double>(row.malformed[d])));
  }
  void emit_pair(Labels labels, size_t rcode, size_t qtype, uint64_t n) {
    labels.push_back({"rcode", probes::kDnsRcodeLabels[rcode]});
    labels.push_back({"qtype", probes::kDnsQtypeLabels[qtype]});
    requests.metric.push_back(counter_metric(std::move(labels), static_cast<double>(n)));
  }
};

void add_into(probes::DnsRow& into, const probes::DnsRow& row) {
  for (size_t r = 0; r < row.requests.size(); ++r)
    for (size_t q = 0; q < row.requests[r].size(); ++q) into.requests[r][q] += row.requests[r][q];
  for (size_t d = 0; d < row.malformed.size(); ++d) into.malformed[d] += row.malformed[d];
  into.latency_count += row.latency_count;
  into.latency_sum_ns += row.latency_sum_ns;
  for (size_t i = 0; i < row.latency_hist.size(); ++i) into.latency_hist[i] += row.latency_hist[i];
}

}  // namespace

const Log2Histogram& DnsSignal::layout() {
  static const Log2Histogram layout(14, 31, 1);
  return layout;
}

void DnsSignal::collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) {
  Families f;
  probes::DnsRow overflow{};
  bool any_overflow = false;
  std::vector<uint64_t> dead;
  source_.for_each([&](uint64_t cgroup_id, const probes::DnsRow& row) {
    auto labels = ctx.labeler.labels(cgroup_id);
    if (!labels) {
      dead.push_back(cgroup_id);
      return;
    }
    probes::DnsRow folded{};
    bool fold = false;
    if (ctx.budget.admit(cgroup_id, budget_key(kBudgetTag, 0), cgroup_cost())) {
      f.emit_cgroup(*labels, row);
    } else {
      fold = true;
      folded = row;
      folded.requests = {};
    }
    for (size_t r = 0; r < row.requests.size(); ++r)
      for (size_t q = 0; q < row.requests[r].size(); ++q) {
        const uint64_t n = row.requests[r][q];
        if (n == 0) continue;
        if (ctx.budget.admit(cgroup_id, budget_key(kBudgetTag, 1 + r * SEISMO_DNS_QTYPE_BUCKETS + q), 1)) {
          f.emit_pair(*labels, r, q, n);
        } else {
          fold = true;
          folded.requests[r][q] = n;
        }
      }
    if (fold) {
      any_overflow = true;
      add_into(overflow, folded);
    }
  });
  for (uint64_t id : dead) ctx.budget.release_owner(id);
  ctx.unknown_cgroup_rows += dead.size();
  if (!dead.empty()) source_.forget_cgroups(dead);
  if (any_overflow) {
    const Labels labels = ctx.labeler.overflow_labels();
    f.emit_cgroup(labels, overflow);
    for (size_t r = 0; r < overflow.requests.size(); ++r)
      for (size_t q = 0; q < overflow.requests[r].size(); ++q)
        if (overflow.requests[r][q] != 0) f.emit_pair(labels, r, q, overflow.requests[r][q]);
  }
  out.push_back(std::move(f.requests));
  out.push_back(std::move(f.latency));
  out.push_back(std::move(f.malformed));
}

// `seismo top` keeps its resource columns; DNS is read from the metrics
// and `seismo trace dns`.
void DnsSignal::summarize(ScrapeContext&, std::map<uint64_t, CgroupSummary>&) {}

}  // namespace seismo::metrics
