// bench/sched_overhead: the cost per context switch of the run-queue probe.
// Two processes pinned to one CPU ping-pong a byte over pipes: every round
// trip is two wakeups and two context switches. Conditions, interleaved
// within each round:
//   none          nothing attached
//   empty         empty tp_btf programs on sched_wakeup, sched_wakeup_new, sched_switch
//   probe-tp_btf  seismo's sched probe, tp_btf flavour (what seismod loads here)
//   probe-raw_tp  the same in its raw_tp flavour (the fallback)
// Prints ns per context switch (median over rounds, min-max) and what each
// condition adds to `none`, plus the kernel's own per-run statistics of the
// programs (BPF_ENABLE_STATS), which machine noise does not move.
//
// Usage: sched_overhead [ROUNDS] [ROUND_TRIPS]
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <bpf/libbpf.h>

#include <fmt/format.h>

#include "bench_process.h"
#include "bpf/link.h"
#include "prog_stats.h"
#include "probes/sched.h"
#include "sched_overhead.skel.h"

using namespace seismo;

namespace {

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

// ns per context switch over `trips` round trips (2 switches each).
double ns_per_switch(long trips) {
  int ping[2], pong[2];
  if (pipe(ping) != 0 || pipe(pong) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    pin(0);
    char b;
    for (long i = 0; i < trips; ++i) {
      if (read(ping[0], &b, 1) != 1 || write(pong[1], &b, 1) != 1) _exit(1);
    }
    _exit(0);
  }
  pin(0);
  char b = 'x';
  timespec t0{}, t1{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < trips; ++i) {
    if (write(ping[1], &b, 1) != 1 || read(pong[0], &b, 1) != 1) break;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int status;
  waitpid(child, &status, 0);
  for (int fd : {ping[0], ping[1], pong[0], pong[1]}) close(fd);
  const double ns = static_cast<double>(t1.tv_sec - t0.tv_sec) * 1e9 + static_cast<double>(t1.tv_nsec - t0.tv_nsec);
  return ns / static_cast<double>(2 * trips);
}

struct Condition {
  std::string name;
  std::set<std::string> programs;  // for the kernel's run statistics
  std::function<bool()> setup;
  std::function<void()> teardown;
};

struct Measured {
  std::map<std::string, std::vector<double>> results;
  std::map<std::string, bench::ProgRunStats> cost;
};

// Conditions interleaved within each round, with the kernel's run
// statistics of each condition's programs over its measured ping-pong.
Measured run_rounds(const std::vector<Condition>& conds, int rounds, long trips) {
  Measured m;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& c : conds) {
      if (!c.setup()) {
        c.teardown();
        continue;
      }
      ns_per_switch(trips / 10);  // warm the map rows and the caches
      auto before = bench::prog_run_stats(c.programs);
      m.results[c.name].push_back(ns_per_switch(trips));
      auto after = bench::prog_run_stats(c.programs);
      m.cost[c.name].runs += after.runs - before.runs;
      m.cost[c.name].run_ns += after.run_ns - before.run_ns;
      c.teardown();
    }
    std::fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
  }
  return m;
}

void print_table(const std::vector<Condition>& conds, Measured& m, int rounds, long trips, bool stats_valid) {
  const double base = bench::spread(m.results["none"]).median;
  fmt::print("sched_overhead: pipe ping-pong of two processes pinned to CPU 0, {} round trips per sample "
             "(2 wakeups + 2 switches each), {} interleaved rounds\n\n",
             trips, rounds);
  fmt::print("{:<14} {:>12} {:>9} {:>9} {:>14} {:>16}\n", "condition", "ns/switch", "min", "max", "added ns/switch",
             "bpf ns/switch");
  for (const auto& c : conds) {
    if (m.results[c.name].empty()) continue;
    auto s = bench::spread(m.results[c.name]);
    // Programs run once per wakeup and once per switch: their kernel-measured
    // time per switch is run_ns / switches.
    const double switches = 2.0 * static_cast<double>(trips) * static_cast<double>(m.results[c.name].size());
    fmt::print("{:<14} {:>12.1f} {:>9.1f} {:>9.1f} {:>14.1f} {:>16.1f}\n", c.name, s.median, s.min, s.max,
               s.median - base, c.programs.empty() ? 0.0 : static_cast<double>(m.cost[c.name].run_ns) / switches);
  }
  fmt::print("\nbpf ns/switch: the kernel's run-time statistics of the condition's programs during the measured\n"
             "ping-pong, per context switch (wakeup + switch hooks){}.\n",
             stats_valid ? "" : " (BPF_ENABLE_STATS unavailable: 0)");
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const long trips = argc > 2 ? std::atol(argv[2]) : 100000;
  if (geteuid() != 0) {
    std::fprintf(stderr, "sched_overhead: run as root (loads BPF programs)\n");
    return 1;
  }
  libbpf_set_print(nullptr);
  bench::RunTimeStats stats_on;

  std::unique_ptr<probes::SchedProbe> probe;
  std::unique_ptr<sched_overhead_bpf, void (*)(sched_overhead_bpf*)> empty(nullptr, sched_overhead_bpf__destroy);
  std::vector<bpf::LinkPtr> empty_links;
  auto load_probe = [&](probes::HookFlavour f) {
    probes::SchedProbeConfig c;
    c.only_flavour = f;
    auto p = probes::SchedProbe::create(c);
    if (!p) std::fprintf(stderr, "sched_overhead: %s\n", p.error().message().c_str());
    if (p) probe = std::move(*p);
    return probe != nullptr;
  };
  const std::vector<Condition> conds = {
      {"none", {}, [] { return true; }, [] {}},
      {"empty",
       {"bench_wakeup", "bench_wknew", "bench_switch"},
       [&] {
         empty.reset(sched_overhead_bpf__open_and_load());
         if (!empty) return false;
         auto links = bpf::attach_autoloaded(empty->obj, "empty sched programs");
         if (!links) return false;
         empty_links = std::move(*links);
         return true;
       },
       [&] {
         empty_links.clear();
         empty.reset();
       }},
      {"probe-tp_btf",
       {"runq_wakeup", "runq_wknew", "runq_switch"},
       [&] { return load_probe(probes::HookFlavour::tp_btf); },
       [&] { probe.reset(); }},
      {"probe-raw_tp",
       {"runq_wakeup_raw", "runq_wknew_raw", "runq_switch_raw"},
       [&] { return load_probe(probes::HookFlavour::raw_tp); },
       [&] { probe.reset(); }},
  };

  Measured m = run_rounds(conds, rounds, trips);
  print_table(conds, m, rounds, trips, stats_on.valid());
  return 0;
}
