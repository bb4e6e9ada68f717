// seismo top: cgroups by syscall rate, from two snapshots of the daemon's
// cumulative in-kernel counters, with network, TCP, run-queue and OOM
// columns.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "context.h"
#include "output.h"

namespace seismo::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;  // the CLI's one shutdown flag

struct Rates {
  std::string cgroup;
  std::map<std::string, double> per_second;
  std::optional<double> runq_avg_seconds;  // mean run-queue wait over the interval, when any
  double oom_kills_total = 0;
};

// Cumulative columns of the daemon's `top` rows shown as rates.
constexpr const char* kRateColumns[] = {"syscalls", "errors",    "execs",           "rx_bytes",   "tx_bytes",
                                        "tcp_opens", "tcp_retransmits", "tcp_resets", "runq_waits", "runq_seconds"};

std::vector<Rates> diff(const nlohmann::json& before, const nlohmann::json& after) {
  double dt = after.value("monotonic_seconds", 0.0) - before.value("monotonic_seconds", 0.0);
  if (dt <= 0) dt = 1;
  std::map<uint64_t, const nlohmann::json*> old;
  for (const auto& row : before["cgroups"]) old[row.value("cgroup_id", uint64_t{0})] = &row;
  std::vector<Rates> out;
  for (const auto& row : after["cgroups"]) {
    Rates r;
    r.cgroup = row.value("cgroup", "?");
    auto it = old.find(row.value("cgroup_id", uint64_t{0}));
    for (const char* col : kRateColumns) {
      double now = row.value(col, 0.0);
      double then = it == old.end() ? 0.0 : it->second->value(col, 0.0);
      r.per_second[col] = now >= then ? (now - then) / dt : now / dt;  // a reset cgroup restarts at 0
    }
    if (r.per_second["runq_waits"] > 0) r.runq_avg_seconds = r.per_second["runq_seconds"] / r.per_second["runq_waits"];
    r.oom_kills_total = row.value("oom_kills", 0.0);
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const Rates& a, const Rates& b) { return a.per_second.at("syscalls") > b.per_second.at("syscalls"); });
  return out;
}

}  // namespace

void add_top_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("top",
                                 "Cgroups by syscall rate with network, TCP, run-queue and OOM columns, refreshing "
                                 "(or once with -o json|yaml)");
  static double interval = 1.0;
  static int iterations = 0;
  static size_t limit = 20;
  static PodFlags pods;
  cmd->add_option("-i,--interval", interval, "Seconds between samples")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--iterations", iterations, "Refreshes before exiting (0: until Ctrl-C; json/yaml: 1)")
      ->check(CLI::NonNegativeNumber);
  add_pod_flags(cmd, pods);
  cmd->add_option("--limit", limit, "Rows shown")->capture_default_str()->check(CLI::Range(size_t{1}, size_t{10000}));
  cmd->callback([&ctx] {
    std::signal(SIGINT, [](int) { g_interrupted = 1; });
    bool machine = ctx.format() != OutputFormat::table;
    int remaining = iterations > 0 ? iterations : (machine ? 1 : -1);
    const nlohmann::json params = pods.params();
    auto before = ctx.call("top", params);
    if (!before) throw CommandFailed{before.error().message()};
    while (remaining != 0 && !g_interrupted) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(interval);
      while (std::chrono::steady_clock::now() < deadline && !g_interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (g_interrupted) break;
      auto after = ctx.call("top", params);
      if (!after) throw CommandFailed{after.error().message()};
      auto rates = diff(*before, *after);
      if (rates.size() > limit) rates.resize(limit);
      if (machine) {
        nlohmann::json doc = nlohmann::json::array();
        for (const auto& r : rates) {
          nlohmann::json row = {{"cgroup", r.cgroup}};
          for (const auto& [k, v] : r.per_second) row[k + "_per_second"] = v;
          row["runq_avg_seconds"] = r.runq_avg_seconds ? nlohmann::json(*r.runq_avg_seconds) : nlohmann::json(nullptr);
          row["oom_kills_total"] = r.oom_kills_total;
          doc.push_back(std::move(row));
        }
        ctx.format() == OutputFormat::json ? print_json(doc) : print_yaml(doc);
      } else {
        Table t({"SYSCALLS", "ERRORS", "EXECS", "RX", "TX", "CONNS", "RETRANS", "RESETS", "RUNQ", "OOM", "CGROUP"});
        for (const auto& r : rates) {
          const auto& ps = r.per_second;
          t.add({human_rate(ps.at("syscalls")), human_rate(ps.at("errors")), human_rate(ps.at("execs")),
                 human_count(ps.at("rx_bytes")) + "B/s", human_count(ps.at("tx_bytes")) + "B/s",
                 human_rate(ps.at("tcp_opens")), human_rate(ps.at("tcp_retransmits")), human_rate(ps.at("tcp_resets")),
                 r.runq_avg_seconds ? fmt::format("{:.0f}us", *r.runq_avg_seconds * 1e6) : "-",
                 fmt::format("{:.0f}", r.oom_kills_total), r.cgroup});
        }
        if (isatty(STDOUT_FILENO)) std::cout << "\033[H\033[2J";
        std::cout << fmt::format("seismo top — every {:.1f}s, {} cgroups\n\n", interval, rates.size()) << t.render()
                  << std::flush;
      }
      before = std::move(after);
      if (remaining > 0) --remaining;
    }
  });
}

}  // namespace seismo::cli
