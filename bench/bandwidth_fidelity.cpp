// bench/bandwidth_fidelity: a bandwidth fault against the kernel's own
// shaper and policer on the same veth, same rate and bucket, in one run:
// iperf3 TCP goodput and ping's added latency (p50/p99 minus idle) at full
// load. Rows: the path with no fault (what it can carry at all), then per
// rate tbf beside the fault as `auto` makes it (shapes where fq exists, else
// polices), and, where the kernel has act_police, `matchall action police`
// at the receiver's ingress (silent to the sender, as a fault's drop is)
// beside the fault with `mode: police` and the same burst (docs/faults.md,
// Bandwidth).
//
//   bandwidth_fidelity [seconds=5] [rate ...] [--buffer-ms MS]
//     rates in tc's units (default 10mbit 100mbit); --buffer-ms sets the
//     bucket (buffer / burst) to MS of the rate instead of the default
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "bandwidth_rows.h"
#include "chaos_support.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

struct Options {
  int seconds = 5;
  std::vector<std::string> rates;
  uint64_t buffer_ms = 0;  // 0: the spec's default buffer
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  bool seconds_seen = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--buffer-ms" && i + 1 < argc) {
      o.buffer_ms = std::strtoull(argv[++i], nullptr, 10);
      if (o.buffer_ms == 0 || o.buffer_ms > 10'000) return std::nullopt;
    } else if (!seconds_seen && !arg.empty() && arg[0] >= '0' && arg[0] <= '9' &&
               arg.find_first_not_of("0123456789") == std::string::npos) {
      o.seconds = std::atoi(arg.c_str());
      seconds_seen = true;
    } else if (!arg.empty() && arg[0] != '-') {
      o.rates.push_back(arg);
    } else {
      return std::nullopt;
    }
  }
  if (o.rates.empty()) o.rates = {"10mbit", "100mbit"};
  if (o.seconds < 3 || o.seconds > 120) return std::nullopt;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "usage: bandwidth_fidelity [seconds 3-120] [rate ...] [--buffer-ms MS]\n");
    return 2;
  }
  auto running = start_lab_or_report("bandwidth_fidelity");
  if (!running) return 1;
  bench::BandwidthTable table{opts->rates, opts->buffer_ms, opts->seconds};
  return bench::bandwidth_table(*running->engine, running->lab.a(), running->lab.b(), running->lab.veth(), table) ? 0
                                                                                                                 : 1;
}
