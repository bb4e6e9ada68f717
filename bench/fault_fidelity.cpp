// bench/fault_fidelity: what a fault asks for vs what traffic sees.
//   loss     requested % (and correlation) vs observed loss over N UDP
//            datagrams, with the 99% binomial interval and the mean burst
//            length vs the Gilbert model's
//   delay    requested latency/jitter vs measured RTT p50/p99 and spread
//            (needs fq; skipped with the reason otherwise)
//   copy     duplicate 10/50 %, corrupt 10 %: copies / rejected share
//   reorder  netem's reorder with a 20 ms delay: out-of-order share vs model
//   partition  the share lost (all of it)
//   bandwidth  TCP goodput and added latency vs tbf and act_police
//            (bench/bandwidth_rows.h)
//   netem    the same requests through netem, side by side, where this
//            kernel has netem
//   fault_fidelity [datagrams=50000]
//                  [--only loss|delay|copy|reorder|partition|bandwidth] [--probes N=300]
// The VM tier runs `--only delay --probes 100` in each guest (TCG is slow);
// see docs/vm-tier.md.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "fault_fidelity.h"

#include "chaos/fault_encoding.h"
#include "chaos/fault_engine.h"
#include "chaos_support.h"
#include "doctor/doctor.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::testing;
using namespace seismo::bench;
using nlohmann::json;

namespace {

struct LossResult {
  double observed = 0;  // percent
  double mean_burst = 0;
  uint64_t send_errors = 0;
};

LossResult measure_loss(const TestNetns& a, const TestNetns& b, const std::string& ip, size_t n, uint16_t port) {
  auto run = udp_run(a, b, ip, port, n, 0);
  if (!run) return {};
  auto bursts = run->loss_bursts();
  LossResult r;
  r.observed = 100.0 * static_cast<double>(run->sent - run->received) / static_cast<double>(run->sent);
  r.mean_burst = bursts.empty() ? 0
                                : static_cast<double>(std::accumulate(bursts.begin(), bursts.end(), uint64_t{0})) /
                                      static_cast<double>(bursts.size());
  r.send_errors = run->send_errors + run->error_queue;
  return r;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--only" && i + 1 < argc) {
      const std::string what = argv[++i];
      if (what != "loss" && what != "delay" && what != "copy" && what != "reorder" && what != "partition" &&
          what != "bandwidth")
        return std::nullopt;
      o.loss = what == "loss";
      o.delay = what == "delay";
      o.copy = what == "copy";
      o.reorder = what == "reorder";
      o.partition = what == "partition";
      o.bandwidth = what == "bandwidth";
    } else if (arg == "--probes" && i + 1 < argc) {
      o.probes = std::strtoul(argv[++i], nullptr, 10);
    } else if (!arg.empty() && arg[0] != '-') {
      o.datagrams = std::strtoul(arg.c_str(), nullptr, 10);
    } else {
      return std::nullopt;
    }
  }
  if (!o.datagrams || !o.probes) return std::nullopt;
  return o;
}

bool loss_row(Bench& t, double p, double c) {
  const size_t n = t.opts.datagrams;
  json doc = {{"name", "fid"},
              {"target", t.target},
              {"action", "loss"},
              {"loss", {{"percent", p}, {"correlation", c}}},
              {"duration", "10m"}};
  auto spec = chaos::parse_fault_spec(doc);
  if (!spec || !t.engine.add(*spec)) return false;
  auto ours = measure_loss(t.a, t.b, t.ab.b_ip(), n, 6000);
  t.engine.clear();
  const double q = p / 100, lag = c / 100;
  const double half = 100 * 2.5758 * std::sqrt(q * (1 - q) / static_cast<double>(n) * (1 + lag) / (1 - lag));
  const auto model = chaos::gilbert_params(p, c).mean_burst();
  std::string netem_loss = "-", netem_burst = "-";
  if (t.netem) {
    std::vector<std::string> cmd = {
        "tc", "qdisc", "replace", "dev", t.ab.a_name(), "root", "netem", "loss", fmt::format("{}%", p)};
    if (c > 0) cmd.push_back(fmt::format("{}%", c));
    t.a.exec(cmd);
    auto theirs = measure_loss(t.a, t.b, t.ab.b_ip(), n, 6001);
    t.a.exec({"tc", "qdisc", "del", "dev", t.ab.a_name(), "root"});
    netem_loss = fmt::format("{:.2f}", theirs.observed);
    netem_burst = fmt::format("{:.2f}", theirs.mean_burst);
  }
  std::printf("%-9.1f %-6.0f | %-9.2f %-17s %-13s %-6llu | %-9s %-11s\n", p, c, ours.observed,
              fmt::format("[{:.2f}, {:.2f}]", p - half, p + half).c_str(),
              fmt::format("{:.2f} ({:.2f})", ours.mean_burst, model).c_str(),
              static_cast<unsigned long long>(ours.send_errors), netem_loss.c_str(), netem_burst.c_str());
  return true;
}

bool loss_rows(Bench& t) {
  std::printf("fault_fidelity: %zu UDP datagrams per row, one sender CPU\n\n", t.opts.datagrams);
  std::printf("%-9s %-6s | %-9s %-17s %-13s %-6s | %-9s %-11s\n", "loss %", "corr %", "seismo %", "99% interval",
              "burst (model)", "errors", "netem %", "netem burst");
  const std::pair<double, double> cases[] = {{1, 0}, {5, 0}, {10, 0}, {25, 0}, {50, 0}, {10, 25}, {10, 50}, {20, 50}};
  for (auto [p, c] : cases)
    if (!loss_row(t, p, c)) return false;
  if (!t.netem) std::printf("(netem: not in this kernel, CONFIG_NET_SCH_NETEM)\n");
  return true;
}

// One echo responder per call; `probes` round trips 10 ms apart.
std::optional<Rtt> probe(const Bench& t) {
  auto r = udp_rtt(t.a, t.b, t.ab.b_ip(), 7001, t.opts.probes);
  if (!r) {
    std::fprintf(stderr, "fault_fidelity: %s\n", r.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*r);
}

std::string cell(const Rtt& r) {
  return fmt::format("{:<8.2f} {:<8.2f} {:<8.2f}", r.percentile(50), r.percentile(99), r.stddev());
}

// The same request through netem ("-" where this kernel has none).
std::optional<std::string> netem_delay_cell(const Bench& t, const char* lat, const char* jit) {
  if (!t.netem) return "-";
  std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", t.ab.a_name(), "root", "netem", "delay", lat};
  if (std::string(jit) != "0s") cmd.push_back(jit);
  if (auto r = t.a.exec(cmd); r.status != 0) {
    std::fprintf(stderr, "fault_fidelity: tc netem delay %s: %s\n", lat, r.output.c_str());
    return std::nullopt;
  }
  auto theirs = probe(t);
  t.a.exec({"tc", "qdisc", "del", "dev", t.ab.a_name(), "root"});
  if (!theirs) return std::nullopt;
  return cell(*theirs);
}

bool delay_row(Bench& t, const char* lat, const char* jit) {
  json doc = {{"name", "fid"},
              {"target", t.target},
              {"action", "delay"},
              {"delay", {{"latency", lat}, {"jitter", jit}}},
              {"duration", "10m"}};
  auto spec = chaos::parse_fault_spec(doc);
  if (!spec) {
    std::fprintf(stderr, "fault_fidelity: %s\n", spec.error().message().c_str());
    return false;
  }
  if (auto added = t.engine.add(*spec); !added) {
    std::fprintf(stderr, "fault_fidelity: delay %s: %s\n", lat, added.error().message().c_str());
    return false;
  }
  auto ours = probe(t);
  t.engine.clear();
  if (!ours) return false;
  auto theirs = netem_delay_cell(t, lat, jit);
  if (!theirs) return false;
  std::printf("%-18s | %s | %s\n", fmt::format("{} ± {}", lat, jit).c_str(), cell(*ours).c_str(), theirs->c_str());
  return true;
}

bool delay_rows(Bench& t) {
  utsname uts{};
  ::uname(&uts);
  std::printf("\ndelay on %s (UDP echo round trips, %zu probes per row; the delay applies one way)\n", uts.release,
              t.opts.probes);
  if (!t.engine.fq_available()) {
    std::printf("skipped: no fq qdisc in this kernel (CONFIG_NET_SCH_FQ); seismo refuses delay faults here\n");
    return true;
  }
  // The path's own round trip, no fault: what both columns sit on top of.
  auto base = probe(t);
  if (!base) return false;
  std::printf("%-18s | %-26s | %-26s\n", "requested", "seismo p50 / p99 / sd ms", "netem p50 / p99 / sd ms");
  std::printf("%-18s | %s | %s\n", "none (baseline)", cell(*base).c_str(), cell(*base).c_str());
  const std::pair<const char*, const char*> delays[] = {
      {"10ms", "0s"}, {"50ms", "0s"}, {"50ms", "10ms"}, {"100ms", "20ms"}};
  for (auto [lat, jit] : delays)
    if (!delay_row(t, lat, jit)) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr,
                 "usage: fault_fidelity [datagrams] [--only loss|delay|copy|reorder|partition|bandwidth] [--probes N]\n");
    return 2;
  }
  auto running = start_lab_or_report("fault_fidelity");
  if (!running) return 1;
  const TestNetns& a = running->lab.a();
  const VethPair& ab = running->lab.veth();
  Bench t{*running->engine, a, running->lab.b(), ab, doctor::probe_qdisc("netem") == 0,
          json{{"netns", a.name()}, {"interface", ab.a_name()}}, *opts};
  if (opts->loss && !loss_rows(t)) return 1;
  if (opts->delay && !delay_rows(t)) return 1;
  if (opts->copy && !copy_rows(t)) return 1;
  if (opts->reorder && !reorder_rows(t)) return 1;
  if (opts->partition && !partition_row(t)) return 1;
  if (opts->bandwidth && !bandwidth_rows(t)) return 1;
  return 0;
}
