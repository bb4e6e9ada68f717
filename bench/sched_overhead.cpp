// bench/sched_overhead: the cost per context switch of the run-queue probe.
// Two processes pinned to one CPU ping-pong a byte over pipes: every round
// trip is two wakeups and two context switches. Conditions, interleaved
// within each round:
//   none          nothing attached
//   empty         empty tp_btf programs on sched_wakeup, sched_wakeup_new, sched_switch
//   empty-switch  an empty tp_btf program on sched_switch alone
//   probe-tp_btf  seismo's sched probe, tp_btf flavour (what seismod loads
//                 here: sched_switch alone, reading the kernel's sched_info)
//   probe-stamps  tp_btf with wakeup stamps in task storage (kernels without sched_info)
//   probe-raw_tp  the raw_tp flavour (the fallback)
//   bpftrace      runqlat-style: wakeup timestamp map + switch histogram
// Prints ns per context switch (median over rounds, min-max) and what each
// condition adds to `none`, measured with BPF statistics off; then, from a
// second ping-pong with BPF_ENABLE_STATS on, the kernel's own time inside
// the condition's programs per switch, which machine noise does not move.
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
#include <set>
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

// runqlat.bt reduced to one histogram: what the probe computes, per cgroup
// aside. prev_state 0 is TASK_RUNNING (preempted while runnable).
constexpr const char* kBpftraceRunqlat =
    "tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @qtime[args->pid] = nsecs; } "
    "tracepoint:sched:sched_switch { if (args->prev_state == 0) { @qtime[args->prev_pid] = nsecs; } "
    "$ns = @qtime[args->next_pid]; if ($ns) { @usecs = hist((nsecs - $ns) / 1000); } "
    "delete(@qtime[args->next_pid]); }";

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
  std::map<std::string, double> stat_switches;  // switches under statistics
  bool stats_valid = false;
};

// Conditions interleaved within each round: a ping-pong timed with BPF
// statistics off (they add two clock reads per program run, more for
// conditions with more programs), then one with them on for the kernel's
// run statistics of the condition's programs. A condition whose setup fails
// is dropped for good.
// owner(): the process holding the condition's programs (bpftrace or this
// one), so another session's seismod, with programs of the same names, does
// not count.
Measured run_rounds(const std::vector<Condition>& conds, int rounds, long trips, const std::function<pid_t()>& owner) {
  Measured m;
  std::set<std::string> unavailable;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& c : conds) {
      if (unavailable.count(c.name)) continue;
      if (!c.setup()) {
        std::fprintf(stderr, "%s: unavailable on this machine\n", c.name.c_str());
        unavailable.insert(c.name);
        c.teardown();
        continue;
      }
      ns_per_switch(trips / 10);  // warm the map rows and the caches
      m.results[c.name].push_back(ns_per_switch(trips));
      if (!c.programs.empty()) {
        bench::RunTimeStats stats_on;
        m.stats_valid = stats_on.valid();
        auto before = bench::prog_run_stats(c.programs, owner());
        m.stat_switches[c.name] += 2.0 * static_cast<double>(ns_per_switch(trips) > 0 ? trips : 0);
        auto after = bench::prog_run_stats(c.programs, owner());
        m.cost[c.name].runs += after.runs - before.runs;
        m.cost[c.name].run_ns += after.run_ns - before.run_ns;
      }
      c.teardown();
    }
    std::fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
  }
  return m;
}

double bpf_per_switch(Measured& m, const std::string& name) {
  const double n = m.stat_switches[name];
  return n > 0 ? static_cast<double>(m.cost[name].run_ns) / n : 0.0;
}

// a / b, or why not: a baseline that adds nothing measurable gives no ratio.
std::string ratio(double a, double b) {
  return b > 0 ? fmt::format("{:.2f}x", a / b) : std::string("n/a (baseline within noise)");
}

void print_ratios(Measured& m) {
  const double base = bench::spread(m.results["none"]).median;
  auto added = [&](const char* n) { return bench::spread(m.results[n]).median - base; };
  auto have = [&](const char* n) { return !m.results[n].empty(); };
  fmt::print("\n");
  for (const char* probe : {"probe-tp_btf", "probe-stamps"}) {
    if (!have(probe) || !have("empty")) continue;
    fmt::print("{}: adds {} what the empty programs on the 3 hooks add (target <= 1.3x); {} the empty sched_switch "
               "program\n",
               probe, ratio(added(probe), added("empty")), ratio(added(probe), added("empty-switch")));
    if (have("bpftrace"))
      fmt::print("{}: adds {} what bpftrace runqlat adds (target <= 0.5x)\n", probe,
                 ratio(added(probe), added("bpftrace")));
    if (m.stats_valid)
      fmt::print("{}: BPF stats {:.1f} ns/switch = {} the empty programs', {} bpftrace's\n", probe,
                 bpf_per_switch(m, probe), ratio(bpf_per_switch(m, probe), bpf_per_switch(m, "empty")),
                 ratio(bpf_per_switch(m, probe), bpf_per_switch(m, "bpftrace")));
  }
}

void print_table(const std::vector<Condition>& conds, Measured& m, int rounds, long trips) {
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
    fmt::print("{:<14} {:>12.1f} {:>9.1f} {:>9.1f} {:>14.1f} {:>16.1f}\n", c.name, s.median, s.min, s.max,
               s.median - base, bpf_per_switch(m, c.name));
  }
  fmt::print("\nns/switch: BPF statistics off. bpf ns/switch: the kernel's run-time statistics of the condition's\n"
             "programs during a second ping-pong, per context switch (all its hooks){}.\n",
             m.stats_valid ? "" : " (BPF_ENABLE_STATS unavailable: 0)");
  print_ratios(m);
}

// The bench's own programs, seismo's probe and bpftrace, one at a time.
class Attachments {
 public:
  explicit Attachments(std::string tmp) : tmp_(std::move(tmp)) {}
  ~Attachments() { detach(); }
  bool attach_empty(bool switch_only) {
    empty_.reset(sched_overhead_bpf__open());
    if (!empty_) return false;
    bpf_program__set_autoload(empty_->progs.bench_wakeup, !switch_only);
    bpf_program__set_autoload(empty_->progs.bench_wknew, !switch_only);
    if (sched_overhead_bpf__load(empty_.get()) != 0) return false;
    auto links = bpf::attach_autoloaded(empty_->obj, "empty sched programs");
    if (!links) return false;
    empty_links_ = std::move(*links);
    return true;
  }
  bool load_probe(probes::HookFlavour f, bool use_sched_info) {
    probes::SchedProbeConfig c;
    c.only_flavour = f;
    c.use_sched_info = use_sched_info;
    auto p = probes::SchedProbe::create(c);
    if (!p) std::fprintf(stderr, "sched_overhead: %s\n", p.error().message().c_str());
    if (p) probe_ = std::move(*p);
    // probe-tp_btf is the sched_info source: unavailable where the kernel lacks it.
    return probe_ != nullptr && probe_->uses_sched_info() == use_sched_info;
  }
  bool start_bpftrace() {
    const std::string log = tmp_ + ".bpftrace.log";
    bpftrace_ = bench::spawn({"bpftrace", "-e", kBpftraceRunqlat}, log);
    if (!bench::wait_for_text(log, "Attaching", std::chrono::seconds(30))) return false;
    usleep(500000);
    return true;
  }
  [[nodiscard]] pid_t owner() const { return bpftrace_ > 0 ? bpftrace_ : getpid(); }
  void detach() {
    empty_links_.clear();
    empty_.reset();
    probe_.reset();
    if (bpftrace_ > 0) {
      bench::stop(bpftrace_, SIGTERM);  // prints its maps on the way out: to the log
      bpftrace_ = -1;
      usleep(300000);  // let the kernel free the programs
    }
  }

 private:
  std::string tmp_;
  std::unique_ptr<probes::SchedProbe> probe_;
  std::unique_ptr<sched_overhead_bpf, void (*)(sched_overhead_bpf*)> empty_{nullptr, sched_overhead_bpf__destroy};
  std::vector<bpf::LinkPtr> empty_links_;
  pid_t bpftrace_ = -1;
};

std::vector<Condition> conditions(Attachments& a) {
  auto detach = [&a] { a.detach(); };
  return {
      {"none", {}, [] { return true; }, [] {}},
      {"empty", {"bench_wakeup", "bench_wknew", "bench_switch"}, [&a] { return a.attach_empty(false); }, detach},
      {"empty-switch", {"bench_switch"}, [&a] { return a.attach_empty(true); }, detach},
      {"probe-tp_btf", {"runq_switch"}, [&a] { return a.load_probe(probes::HookFlavour::tp_btf, true); }, detach},
      {"probe-stamps",
       {"runq_wakeup", "runq_wknew", "runq_switch_ts"},
       [&a] { return a.load_probe(probes::HookFlavour::tp_btf, false); },
       detach},
      {"probe-raw_tp",
       {"runq_wakeup_raw", "runq_wknew_raw", "runq_switch_raw"},
       [&a] { return a.load_probe(probes::HookFlavour::raw_tp, false); },
       detach},
      // bpftrace names tracepoint programs after the event.
      {"bpftrace", {"sched_wakeup", "sched_wakeup_new", "sched_switch"}, [&a] { return a.start_bpftrace(); }, detach},
  };
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
  const std::string tmp = "/tmp/seismo-sched-bench-" + std::to_string(getpid());
  Attachments attachments(tmp);
  const auto conds = conditions(attachments);
  Measured m = run_rounds(conds, rounds, trips, [&attachments] { return attachments.owner(); });
  print_table(conds, m, rounds, trips);
  unlink((tmp + ".bpftrace.log").c_str());
  return 0;
}
