#include "bandwidth_rows.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chaos/spec_bandwidth.h"
#include "chaos/spec_kinds.h"

namespace seismo::bench {

using namespace seismo::testing;
using nlohmann::json;

namespace {

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

bool bandwidth_table(chaos::FaultEngine& engine, const TestNetns& a, const TestNetns& b, const VethPair& ab,
                     const BandwidthTable& table) {
  Lab t{engine, a, b, ab, {}};
  t.load.seconds = table.seconds;
  auto idle_pings = ping_idle(t.a, t.ab.b_ip(), 20);
  if (!idle_pings) {
    std::fprintf(stderr, "%s\n", idle_pings.error().message().c_str());
    return false;
  }
  const double idle = LoadRun{0, 0, *idle_pings}.rtt_percentile(50);
  const bool police = kernel_police_available(t.a, t.ab.a_name());
  std::printf("bandwidth_fidelity: iperf3 TCP %d s (first 1 s omitted), ping 50 ms apart beside it; added latency "
              "= ping p50/p99 minus idle p50 (%.3f ms); seismo auto %s; kernel police %s\n\n",
              table.seconds, idle, t.engine.fq_available() ? "shapes (fq)" : "polices (no fq)",
              police ? "available" : "absent (no act_police/cls_matchall)");
  auto none = measure(t, "no fault");
  if (!none) return false;
  std::printf("no fault (what the path carries): %s\n\n", show(none, idle).c_str());
  std::printf("%-8s %-15s | %-40s | %-40s | %-40s | %-40s\n", "rate", "buffer auto/pol", "tbf", "seismo auto",
              "kernel police", "seismo police");
  for (const auto& text : table.rates) {
    auto rate = chaos::parse_rate(json(text), "rate");
    if (!rate) {
      std::fprintf(stderr, "%s\n", rate.error().message().c_str());
      return false;
    }
    // Without --buffer-ms every column gets its default bucket: tbf and a
    // shaping fault 10 ms of the rate, a policer (ours, and the kernel's
    // beside it) 200 ms (chaos::default_police_buffer_bytes).
    const uint64_t given = table.buffer_ms ? *rate / 8 * table.buffer_ms / 1000 : 0;
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
        return false;
      }
      if (!(tbf = measure(t, "tbf"))) return false;
    }
    if (!(ours = fault_cell(t, text, given, ""))) return false;
    if (police) {
      {
        auto f = PoliceFilter::add(t.b, t.ab.b_name(), "ingress", *rate, police_buffer);
        if (!f) {
          std::fprintf(stderr, "%s\n", f.error().message().c_str());
          return false;
        }
        if (!(kernel = measure(t, "kernel police"))) return false;
      }
      if (!(ours_police = fault_cell(t, text, given, "police"))) return false;
    }
    const std::string buffers = fmt::format("{}/{}", auto_buffer, police_buffer);
    std::printf("%-8s %-15s | %-40s | %-40s | %-40s | %-40s\n", text.c_str(), buffers.c_str(),
                show(tbf, idle).c_str(), show(ours, idle).c_str(), show(kernel, idle).c_str(),
                show(ours_police, idle).c_str());
    std::fflush(stdout);
  }
  return true;
}

}  // namespace seismo::bench
