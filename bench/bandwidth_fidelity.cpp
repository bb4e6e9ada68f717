// bench/bandwidth_fidelity: a bandwidth fault against tbf on the same veth,
// same rate, buffer and limit, in one run: iperf3 TCP goodput and ping's
// added latency (p50/p99 minus idle) at full load. Where fq exists the fault
// shapes, else it polices (docs/faults.md, Bandwidth).
//
//   bandwidth_fidelity [seconds=5] [rate ...]   (rates in tc's units, default 10mbit 100mbit)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bandwidth_run.h"
#include "chaos/spec_bandwidth.h"
#include "chaos_support.h"

using namespace seismo;
using namespace seismo::testing;
using nlohmann::json;

namespace {

struct Cell {
  double mbps = 0, p50 = 0, p99 = 0;
  uint64_t retrans = 0;
};

std::string show(const Cell& c, double idle) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%7.2f Mbit/s %5llu rtx +%6.2f/+%6.2f ms", c.mbps,
                static_cast<unsigned long long>(c.retrans), c.p50 - idle, c.p99 - idle);
  return buf;
}

Cell cell(const LoadRun& r) {
  return {r.goodput_bps / 1e6, r.rtt_percentile(50), r.rtt_percentile(99), r.retransmits};
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<std::string> rates;
  for (int i = 2; i < argc; ++i) rates.emplace_back(argv[i]);
  if (rates.empty()) rates = {"10mbit", "100mbit"};
  if (seconds < 3 || seconds > 120) {
    std::fprintf(stderr, "usage: bandwidth_fidelity [seconds 3-120] [rate ...]\n");
    return 2;
  }
  auto running = start_lab_or_report("bandwidth_fidelity");
  if (!running) return 1;
  auto& engine = *running->engine;
  const TestNetns& a = running->lab.a();
  const TestNetns& b = running->lab.b();
  const VethPair& ab = running->lab.veth();
  auto idle_pings = ping_idle(a, ab.b_ip(), 20);
  if (!idle_pings) {
    std::fprintf(stderr, "%s\n", idle_pings.error().message().c_str());
    return 1;
  }
  const double idle = LoadRun{0, 0, *idle_pings}.rtt_percentile(50);
  std::printf("bandwidth_fidelity: iperf3 TCP %d s (first 1 s omitted), ping 50 ms apart beside it; added latency "
              "= ping p50/p99 minus idle p50 (%.3f ms); seismo %s\n\n",
              seconds, idle, engine.fq_available() ? "shapes (fq)" : "polices (no fq)");
  std::printf("%-9s | %-40s | %-40s\n", "rate", "tbf goodput, retrans, +p50/+p99", "seismo goodput, retrans, +p50/+p99");
  LoadOptions o;
  o.seconds = seconds;
  for (const auto& text : rates) {
    auto rate = chaos::parse_rate(json(text), "rate");
    if (!rate) {
      std::fprintf(stderr, "%s\n", rate.error().message().c_str());
      return 2;
    }
    Cell tbf, ours;
    {
      auto q = TbfQdisc::add(a, ab.a_name(), *rate, chaos::default_buffer_bytes(*rate),
                             chaos::default_limit_bytes(*rate));
      if (!q) {
        std::fprintf(stderr, "%s\n", q.error().message().c_str());
        return 1;
      }
      auto r = load_run(a, b, ab.b_ip(), o);
      if (!r) {
        std::fprintf(stderr, "tbf %s: %s\n", text.c_str(), r.error().message().c_str());
        return 1;
      }
      tbf = cell(*r);
    }
    auto spec = chaos::parse_fault_spec({{"name", "bw"},
                                         {"target", {{"netns", a.name()}, {"interface", ab.a_name()}}},
                                         {"action", "bandwidth"},
                                         {"bandwidth", {{"rate", text}}},
                                         {"duration", "5m"}});
    if (!spec) {
      std::fprintf(stderr, "fault %s: %s\n", text.c_str(), spec.error().message().c_str());
      return 2;
    }
    auto added = engine.add(*spec);
    if (!added) {
      std::fprintf(stderr, "fault %s: %s\n", text.c_str(), added.error().message().c_str());
      return 1;
    }
    auto r = load_run(a, b, ab.b_ip(), o);
    (void)engine.remove("bw");
    if (!r) {
      std::fprintf(stderr, "seismo %s: %s\n", text.c_str(), r.error().message().c_str());
      return 1;
    }
    ours = cell(*r);
    std::printf("%-9s | %-40s | %-40s\n", text.c_str(), show(tbf, idle).c_str(), show(ours, idle).c_str());
    std::fflush(stdout);
  }
  return 0;
}
