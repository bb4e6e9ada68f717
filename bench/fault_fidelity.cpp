// bench/fault_fidelity: what a fault asks for vs what traffic sees.
//   loss     requested % (and correlation) vs observed loss over N UDP
//            datagrams, with the 99% binomial interval and the mean burst
//            length vs the Gilbert model's
//   delay    requested latency/jitter vs measured RTT p50/p99 and spread
//            (needs fq; skipped with the reason otherwise)
//   netem    the same requests through netem, side by side, where this
//            kernel has netem
//   fault_fidelity [datagrams=50000]
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "chaos/fault_encoding.h"
#include "chaos/fault_engine.h"
#include "chaos_support.h"
#include "doctor/doctor.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::testing;
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

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100 * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50000;
  auto running = start_lab_or_report("fault_fidelity");
  if (!running) return 1;
  auto& engine = running->engine;
  const TestNetns* a = &running->lab.a();
  const TestNetns* b = &running->lab.b();
  const VethPair* ab = &running->lab.veth();
  const bool netem = doctor::probe_qdisc("netem") == 0;
  const json target = {{"netns", a->name()}, {"interface", ab->a_name()}};

  std::printf("fault_fidelity: %zu UDP datagrams per row, one sender CPU\n\n", n);
  std::printf("%-9s %-6s | %-9s %-17s %-13s %-6s | %-9s %-11s\n", "loss %", "corr %", "seismo %", "99% interval",
              "burst (model)", "errors", "netem %", "netem burst");
  const std::pair<double, double> cases[] = {{1, 0}, {5, 0}, {10, 0}, {25, 0}, {50, 0}, {10, 25}, {10, 50}, {20, 50}};
  for (auto [p, c] : cases) {
    json doc = {{"name", "fid"}, {"target", target}, {"action", "loss"},
                {"loss", {{"percent", p}, {"correlation", c}}}, {"duration", "10m"}};
    auto spec = chaos::parse_fault_spec(doc);
    if (!spec || !engine->add(*spec)) return 1;
    auto ours = measure_loss(*a, *b, ab->b_ip(), n, 6000);
    engine->clear();
    const double q = p / 100, lag = c / 100;
    const double half = 100 * 2.5758 * std::sqrt(q * (1 - q) / static_cast<double>(n) * (1 + lag) / (1 - lag));
    const auto model = chaos::gilbert_params(p, c).mean_burst();
    std::string netem_loss = "-", netem_burst = "-";
    if (netem) {
      std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", ab->a_name(), "root", "netem", "loss",
                                      fmt::format("{}%", p)};
      if (c > 0) cmd.push_back(fmt::format("{}%", c));
      a->exec(cmd);
      auto theirs = measure_loss(*a, *b, ab->b_ip(), n, 6001);
      a->exec({"tc", "qdisc", "del", "dev", ab->a_name(), "root"});
      netem_loss = fmt::format("{:.2f}", theirs.observed);
      netem_burst = fmt::format("{:.2f}", theirs.mean_burst);
    }
    std::printf("%-9.1f %-6.0f | %-9.2f %-17s %-13s %-6llu | %-9s %-11s\n", p, c, ours.observed,
                fmt::format("[{:.2f}, {:.2f}]", p - half, p + half).c_str(),
                fmt::format("{:.2f} ({:.2f})", ours.mean_burst, model).c_str(),
                static_cast<unsigned long long>(ours.send_errors), netem_loss.c_str(), netem_burst.c_str());
  }
  if (!netem) std::printf("(netem: not in this kernel, CONFIG_NET_SCH_NETEM)\n");

  std::printf("\ndelay (UDP echo round trips, 300 probes; the delay applies one way)\n");
  if (!engine->fq_available()) {
    std::printf("skipped: no fq qdisc in this kernel (CONFIG_NET_SCH_FQ); seismo refuses delay faults here\n");
    return 0;
  }
  std::printf("%-18s | %-8s %-8s %-8s | %-8s %-8s %-8s\n", "requested", "p50 ms", "p99 ms", "sd ms", "netem p50",
              "p99", "sd");
  const std::pair<const char*, const char*> delays[] = {{"10ms", "0s"}, {"50ms", "0s"}, {"50ms", "10ms"},
                                                        {"100ms", "20ms"}};
  auto probe = [&](std::vector<double>& out) {
    for (int i = 0; i < 300; ++i) {
      auto r = udp_rtt(*a, *b, ab->b_ip(), 7001, 1);
      if (r) out.push_back(r->avg_ms);
    }
  };
  auto sd = [](const std::vector<double>& v) {
    double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()), s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size()));
  };
  for (auto [lat, jit] : delays) {
    json doc = {{"name", "fid"}, {"target", target}, {"action", "delay"},
                {"delay", {{"latency", lat}, {"jitter", jit}}}, {"duration", "10m"}};
    auto spec = chaos::parse_fault_spec(doc);
    if (!spec || !engine->add(*spec)) return 1;
    std::vector<double> ours, theirs;
    probe(ours);
    engine->clear();
    std::string n50 = "-", n99 = "-", nsd = "-";
    if (netem) {
      std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", ab->a_name(), "root", "netem", "delay", lat};
      if (std::string(jit) != "0s") cmd.push_back(jit);
      a->exec(cmd);
      probe(theirs);
      a->exec({"tc", "qdisc", "del", "dev", ab->a_name(), "root"});
      n50 = fmt::format("{:.2f}", percentile(theirs, 50));
      n99 = fmt::format("{:.2f}", percentile(theirs, 99));
      nsd = fmt::format("{:.2f}", sd(theirs));
    }
    std::printf("%-18s | %-8.2f %-8.2f %-8.2f | %-8s %-8s %-8s\n", fmt::format("{} ± {}", lat, jit).c_str(),
                percentile(ours, 50), percentile(ours, 99), sd(ours), n50.c_str(), n99.c_str(), nsd.c_str());
  }
  return 0;
}
