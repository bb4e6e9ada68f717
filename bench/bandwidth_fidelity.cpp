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
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bandwidth_run.h"
#include "chaos/spec_bandwidth.h"
#include "chaos_support.h"

using namespace seismo;
using namespace seismo::testing;
using nlohmann::json;

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

struct Cell {
  double mbps = 0, p50 = 0, p99 = 0;
  uint64_t retrans = 0;
};

std::string show(const std::optional<Cell>& c, double idle) {
  if (!c) return "-";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%7.2f Mbit/s %5llu rtx +%6.2f/+%6.2f ms", c->mbps,
                static_cast<unsigned long long>(c->retrans), c->p50 - idle, c->p99 - idle);
  return buf;
}

struct Lab {
  chaos::FaultEngine& engine;
  const TestNetns& a;
  const TestNetns& b;
  const VethPair& ab;
  LoadOptions load;
};

std::optional<Cell> measure(const Lab& t, const char* what) {
  auto r = load_run(t.a, t.b, t.ab.b_ip(), t.load);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message().c_str());
    return std::nullopt;
  }
  return Cell{r->goodput_bps / 1e6, r->rtt_percentile(50), r->rtt_percentile(99), r->retransmits};
}

// The fault with `rate`, `buffer` (0: the default) and `mode` ("" = auto),
// measured, removed.
std::optional<Cell> fault_cell(const Lab& t, const std::string& rate, uint64_t buffer, const std::string& mode) {
  json params = {{"rate", rate}};
  if (buffer) params["buffer"] = buffer;  // else the spec's default for the mode
  if (!mode.empty()) params["mode"] = mode;
  auto spec = chaos::parse_fault_spec({{"name", "bw"},
                                       {"target", {{"netns", t.a.name()}, {"interface", t.ab.a_name()}}},
                                       {"action", "bandwidth"},
                                       {"bandwidth", params},
                                       {"duration", "5m"}});
  if (!spec) {
    std::fprintf(stderr, "fault %s: %s\n", rate.c_str(), spec.error().message().c_str());
    return std::nullopt;
  }
  if (auto added = t.engine.add(*spec); !added) {
    std::fprintf(stderr, "fault %s: %s\n", rate.c_str(), added.error().message().c_str());
    return std::nullopt;
  }
  auto c = measure(t, "seismo");
  (void)t.engine.remove("bw");
  return c;
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
  Lab t{*running->engine, running->lab.a(), running->lab.b(), running->lab.veth(), {}};
  t.load.seconds = opts->seconds;
  auto idle_pings = ping_idle(t.a, t.ab.b_ip(), 20);
  if (!idle_pings) {
    std::fprintf(stderr, "%s\n", idle_pings.error().message().c_str());
    return 1;
  }
  const double idle = LoadRun{0, 0, *idle_pings}.rtt_percentile(50);
  const bool police = kernel_police_available(t.a, t.ab.a_name());
  std::printf("bandwidth_fidelity: iperf3 TCP %d s (first 1 s omitted), ping 50 ms apart beside it; added latency "
              "= ping p50/p99 minus idle p50 (%.3f ms); seismo auto %s; kernel police %s\n\n",
              opts->seconds, idle, t.engine.fq_available() ? "shapes (fq)" : "polices (no fq)",
              police ? "available" : "absent (no act_police/cls_matchall)");
  auto none = measure(t, "no fault");
  if (!none) return 1;
  std::printf("no fault (what the path carries): %s\n\n", show(none, idle).c_str());
  std::printf("%-8s %-15s | %-40s | %-40s | %-40s | %-40s\n", "rate", "buffer auto/pol", "tbf", "seismo auto",
              "kernel police", "seismo police");
  for (const auto& text : opts->rates) {
    auto rate = chaos::parse_rate(json(text), "rate");
    if (!rate) {
      std::fprintf(stderr, "%s\n", rate.error().message().c_str());
      return 2;
    }
    // Without --buffer-ms every column gets its default bucket: tbf and a
    // shaping fault 10 ms of the rate, a policer (ours, and the kernel's
    // beside it) 200 ms (chaos::default_police_buffer_bytes).
    const uint64_t given = opts->buffer_ms ? *rate / 8 * opts->buffer_ms / 1000 : 0;
    const uint64_t shape_buffer = given ? given : chaos::default_buffer_bytes(*rate);
    const uint64_t police_buffer = given ? given : chaos::default_police_buffer_bytes(*rate);
    const uint64_t auto_buffer = t.engine.fq_available() ? shape_buffer : police_buffer;
    std::optional<Cell> tbf, ours, kernel, ours_police;
    {
      // tbf queues at most `limit`: no less than one bucket.
      auto q = TbfQdisc::add(t.a, t.ab.a_name(), *rate, shape_buffer,
                             std::max(shape_buffer, chaos::default_limit_bytes(*rate)));
      if (!q) {
        std::fprintf(stderr, "%s\n", q.error().message().c_str());
        return 1;
      }
      if (!(tbf = measure(t, "tbf"))) return 1;
    }
    if (!(ours = fault_cell(t, text, given, ""))) return 1;
    if (police) {
      {
        auto f = PoliceFilter::add(t.b, t.ab.b_name(), "ingress", *rate, police_buffer);
        if (!f) {
          std::fprintf(stderr, "%s\n", f.error().message().c_str());
          return 1;
        }
        if (!(kernel = measure(t, "kernel police"))) return 1;
      }
      if (!(ours_police = fault_cell(t, text, given, "police"))) return 1;
    }
    const std::string buffers = fmt::format("{}/{}", auto_buffer, police_buffer);
    std::printf("%-8s %-15s | %-40s | %-40s | %-40s | %-40s\n", text.c_str(), buffers.c_str(),
                show(tbf, idle).c_str(), show(ours, idle).c_str(), show(kernel, idle).c_str(),
                show(ours_police, idle).c_str());
    std::fflush(stdout);
  }
  return 0;
}
