// fault ls's guard and verification fields, from a fault's spec and its
// kernel counters; no kernel access here (unit-tested with plain values).
#include "chaos/guard_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "chaos/duration.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

uint64_t budget_max(const GuardSpec& spec, GuardBudget b) {
  for (const auto& l : spec.limits)
    if (l.budget == b) return l.max;
  return 0;
}

double after_seconds(const GuardReadout& g, uint64_t start_mono_ns) {
  return g.aborted_ns > start_mono_ns ? static_cast<double>(g.aborted_ns - start_mono_ns) / 1e9 : 0.0;
}

// z for a two-sided 99 % interval: the normal's 0.995 quantile.
constexpr double kZ99 = 2.5758293035489004;

}  // namespace

std::string guard_abort_reason(const GuardSpec& spec, const GuardReadout& g, uint64_t start_mono_ns) {
  if (!g.aborted()) return {};
  return fmt::format("{} {} > {} after {:.1f} s", guard_budget_name(g.abort_budget), g.abort_count,
                     budget_max(spec, g.abort_budget), after_seconds(g, start_mono_ns));
}

json guard_status_json(const GuardSpec& spec, const GuardReadout& g, uint64_t start_mono_ns) {
  if (spec.empty()) return nullptr;
  json budgets = json::object();
  for (const auto& l : spec.limits)
    budgets[guard_budget_name(l.budget)] = {{"max", l.max},
                                            {"count", g.counts[static_cast<size_t>(l.budget)]}};
  json out = {{"budgets", budgets}, {"aborted", nullptr}};
  out["window"] = spec.window_ns ? json(format_duration(spec.window_ns)) : json(nullptr);
  // Counts read back only once the kernel side holds the guard; until then
  // (or if its entry is missing) say so rather than show zeros as live.
  out["state"] = !g.present ? "unknown" : g.aborted() ? "aborted" : "armed";
  if (g.aborted())
    out["aborted"] = {{"budget", guard_budget_name(g.abort_budget)},
                      {"count", g.abort_count},
                      {"max", budget_max(spec, g.abort_budget)},
                      {"after_seconds", after_seconds(g, start_mono_ns)},
                      {"reason", guard_abort_reason(spec, g, start_mono_ns)}};
  return out;
}

RateInterval binomial_interval_99(uint64_t k, uint64_t n) {
  if (n == 0) return {0, 0, 1};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(std::min(k, n)) / nn;
  const double z2 = kZ99 * kZ99;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = kZ99 / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

HistQuantile log2_hist_quantile(const FaultCounters& c, double q) {
  uint64_t total = 0;
  for (uint64_t v : c.delay_hist) total += v;
  if (total == 0) return {};
  // The rank of the quantile, 1-based: the smallest sample with at least q of them at or below it.
  const double rank = std::max(1.0, std::ceil(q * static_cast<double>(total)));
  uint64_t below = 0;
  for (size_t i = 0; i < c.delay_hist.size(); ++i) {
    const uint64_t in = c.delay_hist[i];
    if (in == 0 || static_cast<double>(below + in) < rank) {
      below += in;
      continue;
    }
    const double lo = i == 0 ? 0.0 : std::ldexp(1.0, static_cast<int>(i)) / 1e9;
    const double hi = std::ldexp(1.0, static_cast<int>(i) + 1) / 1e9;
    const double frac = (rank - static_cast<double>(below)) / static_cast<double>(in);
    return {lo, hi, lo + (hi - lo) * frac};
  }
  return {};
}

json verification_json(const FaultSpec& spec, const FaultCounters& c) {
  if (spec.action == Action::loss || spec.action == Action::partition) {
    const double requested = spec.action == Action::loss ? spec.loss.percent : 100.0;
    const uint64_t n = c.passed + c.dropped;
    const RateInterval r = binomial_interval_99(c.dropped, n);
    json out = {{"measure", "loss_percent"}, {"requested", requested}, {"packets", n}};
    if (n == 0) {
      out["observed"] = nullptr;
      return out;
    }
    out["observed"] = r.rate * 100;
    out["interval_99"] = {r.low * 100, r.high * 100};
    // With correlation the drops come in bursts and are not independent:
    // the binomial interval is then too narrow, so no verdict is given.
    if (spec.action == Action::partition || spec.loss.correlation == 0)
      out["within_interval"] = requested / 100 >= r.low - 1e-12 && requested / 100 <= r.high + 1e-12;
    return out;
  }
  if (spec.action == Action::delay) {
    uint64_t n = 0;
    for (uint64_t v : c.delay_hist) n += v;
    json out = {{"measure", "delay_seconds"},
                {"requested", static_cast<double>(spec.delay.latency_ns) / 1e9},
                {"jitter", static_cast<double>(spec.delay.jitter_ns) / 1e9},
                {"packets", n}};
    if (n == 0) {
      out["p50"] = nullptr;
      out["p99"] = nullptr;
      return out;
    }
    const HistQuantile p50 = log2_hist_quantile(c, 0.50), p99 = log2_hist_quantile(c, 0.99);
    out["p50"] = p50.estimate_seconds;
    out["p99"] = p99.estimate_seconds;
    out["p50_bucket"] = {p50.low_seconds, p50.high_seconds};
    out["p99_bucket"] = {p99.low_seconds, p99.high_seconds};
    return out;
  }
  return nullptr;
}

}  // namespace seismo::chaos
