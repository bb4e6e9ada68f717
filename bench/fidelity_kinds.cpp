// bench/fault_fidelity's rows for duplicate, corrupt, reorder, partition
// and bandwidth (loss and delay are in fault_fidelity.cpp).
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bandwidth_rows.h"
#include "chaos_support.h"
#include "fault_fidelity.h"

namespace seismo::bench {

using namespace seismo::testing;
using nlohmann::json;

namespace {

// What a UDP run showed for one kind: copies, rejected (lost) or
// ahead-of-order datagrams over the datagrams sent (received, for reorder).
enum class Measure { copies, lost, reordered };

std::optional<double> share(const Bench& t, Measure what, uint16_t port) {
  auto run = udp_run(t.a, t.b, t.ab.b_ip(), port, t.opts.datagrams, 0);
  if (!run) {
    std::fprintf(stderr, "fault_fidelity: %s\n", run.error().message().c_str());
    return std::nullopt;
  }
  const auto n = static_cast<double>(run->sent);
  switch (what) {
    case Measure::copies: return static_cast<double>(run->copies) / n;
    case Measure::lost: return static_cast<double>(run->sent - run->received) / n;
    case Measure::reordered: return static_cast<double>(run->ahead()) / static_cast<double>(run->received);
  }
  return std::nullopt;
}

bool add_fault(Bench& t, json doc) {
  doc["name"] = "fid";
  doc["target"] = t.target;
  doc["duration"] = "10m";
  auto spec = chaos::parse_fault_spec(doc);
  if (!spec) {
    std::fprintf(stderr, "fault_fidelity: %s\n", spec.error().message().c_str());
    return false;
  }
  if (auto added = t.engine.add(*spec); !added) {
    std::fprintf(stderr, "fault_fidelity: %s: %s\n", doc.value("action", "").c_str(), added.error().message().c_str());
    return false;
  }
  return true;
}

// netem with `args` on the sender's veth for one run ("-" without netem).
std::optional<std::string> netem_share(const Bench& t, const std::vector<std::string>& args, Measure what,
                                       uint16_t port) {
  if (!t.netem) return "-";
  std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", t.ab.a_name(), "root", "netem"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  if (auto r = t.a.exec(cmd); r.status != 0) {
    std::fprintf(stderr, "fault_fidelity: tc netem: %s\n", r.output.c_str());
    return std::nullopt;
  }
  auto s = share(t, what, port);
  t.a.exec({"tc", "qdisc", "del", "dev", t.ab.a_name(), "root"});
  if (!s) return std::nullopt;
  return fmt::format("{:.2f}", 100 * *s);
}

std::string interval(double q, double n) {
  const double half = 2.5758 * std::sqrt(q * (1 - q) / n);
  return fmt::format("[{:.2f}, {:.2f}]", 100 * (q - half), 100 * (q + half));
}

bool kind_row(Bench& t, const std::string& label, const json& doc, double model, Measure what,
              const std::vector<std::string>& netem) {
  if (!add_fault(t, doc)) return false;
  auto ours = share(t, what, 6100);
  t.engine.clear();
  if (!ours) return false;
  auto theirs = netem_share(t, netem, what, 6101);
  if (!theirs) return false;
  std::printf("%-24s | %-8.2f %-17s | %-9.2f | %-9s\n", label.c_str(), 100 * model,
              interval(model, static_cast<double>(t.opts.datagrams)).c_str(), 100 * *ours, theirs->c_str());
  std::fflush(stdout);
  return true;
}

void kind_header(const char* title, const Bench& t) {
  std::printf("\n%s (%zu UDP datagrams per row, one sender CPU)\n", title, t.opts.datagrams);
  std::printf("%-24s | %-8s %-17s | %-9s | %-9s\n", "requested", "model %", "99% interval", "seismo %", "netem %");
}

}  // namespace

bool copy_rows(Bench& t) {
  kind_header("duplicate: copies received; corrupt: datagrams the receiver rejected", t);
  for (double p : {10.0, 50.0}) {
    const json doc = {{"action", "duplicate"}, {"duplicate", {{"percent", p}}}};
    if (!kind_row(t, fmt::format("duplicate {}%", p), doc, p / 100, Measure::copies,
                  {"duplicate", fmt::format("{}%", p)}))
      return false;
  }
  // netem flips a bit anywhere in the frame, the Ethernet header included:
  // its rejected share is below the request (docs/faults.md, Corrupt).
  const json doc = {{"action", "corrupt"}, {"corrupt", {{"percent", 10}}}};
  return kind_row(t, "corrupt 10%", doc, 0.10, Measure::lost, {"corrupt", "10%"});
}

bool reorder_rows(Bench& t) {
  kind_header("reorder (delay 20ms): share arriving ahead of an earlier datagram; model p/(1+(gap-1)p)", t);
  if (!t.engine.fq_available()) {
    std::printf("skipped: no fq qdisc in this kernel; seismo refuses delay (and reorder) faults here\n");
    return true;
  }
  const std::pair<double, int> cases[] = {{25, 5}, {50, 1}};
  for (auto [p, gap] : cases) {
    const json doc = {{"action", "delay"},
                      {"delay", {{"latency", "20ms"}, {"reorder", {{"percent", p}, {"gap", gap}}}}},
                      {"filter", {{"protocol", "udp"}}}};
    const double q = p / 100;
    if (!kind_row(t, fmt::format("reorder {}% gap {}", p, gap), doc, q / (1 + (gap - 1) * q), Measure::reordered,
                  {"delay", "20ms", "reorder", fmt::format("{}%", p), "gap", std::to_string(gap)}))
      return false;
  }
  return true;
}

bool partition_row(Bench& t) {
  kind_header("partition: datagrams lost", t);
  const json doc = {{"action", "partition"}, {"filter", {{"cidrs", {t.ab.b_ip() + "/32"}}}}};
  return kind_row(t, "partition", doc, 1.0, Measure::lost, {"loss", "100%"});
}

bool bandwidth_rows(Bench& t) {
  std::printf("\nbandwidth\n");
  return bandwidth_table(t.engine, t.a, t.b, t.ab, BandwidthTable{});
}

}  // namespace seismo::bench
