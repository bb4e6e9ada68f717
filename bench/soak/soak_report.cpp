#include "soak_report.h"

#include <fmt/format.h>

#include "trend.h"

namespace seismo::bench {

namespace {

struct Quantity {
  const char* name;
  double SoakSample::*field;
  // Growth must add at least this much over the window (see Trend::grows):
  // 1 MiB of RSS is below what a leak of one allocation per pod, fault or
  // client would add over minutes of churn, and above allocator jitter; for
  // counts one object is the least a leak can add.
  double floor;
};

constexpr Quantity kQuantities[] = {
    {"RSS MiB", &SoakSample::rss_mib, 1.0},
    {"RSS peak MiB", &SoakSample::rss_peak_mib, 1.0},
    {"fds", &SoakSample::fds, 1},
    {"threads", &SoakSample::threads, 1},
    {"BPF progs", &SoakSample::bpf_progs, 1},
    {"BPF maps", &SoakSample::bpf_maps, 1},
    {"BPF links", &SoakSample::bpf_links, 1},
    {"tc objects", &SoakSample::tc_objects, 1},
    {"series (all)", &SoakSample::series, 1},
    {"series (soak)", &SoakSample::own_series, 1},
    {"series stale", &SoakSample::stale_series, 1},
    {"budget used", &SoakSample::series_used, 1},
    {"pods known", &SoakSample::pods_known, 1},
    {"dying cgroups", &SoakSample::dying_cgroups, 1},
};

}  // namespace

void print_header() {
  fmt::print("{:>6} {:>8} {:>8} {:>5} {:>5} {:>6} {:>5} {:>6} {:>4} {:>7} {:>6} {:>5} {:>6} {:>5} {:>6} {:>6}\n", "t s", "RSS MiB", "peak",
             "fds", "thr", "progs", "maps", "links", "tc", "series", "soak", "stale", "used", "pods", "dying", "cpu%");
}

void print_row(const SoakSample& s) {
  fmt::print("{:>6.0f} {:>8.2f} {:>8.2f} {:>5.0f} {:>5.0f} {:>6.0f} {:>5.0f} {:>6.0f} {:>4.0f} {:>7.0f} {:>6.0f} {:>5.0f} "
             "{:>6.0f} {:>5.0f} {:>6.0f} {:>6.1f}\n",
             s.seconds, s.rss_mib, s.rss_peak_mib, s.fds, s.threads, s.bpf_progs, s.bpf_maps, s.bpf_links, s.tc_objects, s.series,
             s.own_series, s.stale_series, s.series_used, s.pods_known, s.dying_cgroups, s.cpu_percent);
  std::fflush(stdout);
}

std::vector<std::string> print_trends(const std::vector<SoakSample>& samples, double warmup_seconds) {
  std::vector<const SoakSample*> window;
  for (const auto& s : samples)
    if (s.seconds >= warmup_seconds) window.push_back(&s);
  std::vector<std::string> grew;
  if (window.size() < 3) {
    fmt::print("\ntoo few samples after the warm-up ({}) to fit slopes\n", window.size());
    return grew;
  }
  std::vector<double> minutes;
  for (const auto* s : window) minutes.push_back(s->seconds / 60.0);
  fmt::print("\n{} samples from {:.0f} s to {:.0f} s (after a {:.0f} s warm-up)\n", window.size(), window.front()->seconds,
             window.back()->seconds, warmup_seconds);
  fmt::print("{:<14} {:>10} {:>10} {:>12} {:>10} {:>8}  {}\n", "quantity", "start", "end", "slope/min", "+-stderr",
             "floor", "verdict");
  for (const auto& q : kQuantities) {
    std::vector<double> values;
    for (const auto* s : window) values.push_back(s->*q.field);
    const Trend t = fit_trend(minutes, values);
    const bool grows = t.grows(q.floor);
    if (grows) grew.emplace_back(q.name);
    fmt::print("{:<14} {:>10.2f} {:>10.2f} {:>12.4f} {:>10.4f} {:>8.1f}  {}\n", q.name, values.front(), values.back(),
               t.slope_per_min, t.slope_stderr, q.floor, grows ? "GROWS" : "flat");
  }
  return grew;
}

}  // namespace seismo::bench
