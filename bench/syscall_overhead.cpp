// bench/syscall_overhead: nanoseconds per cheap syscall (getppid) under
//   none         nothing attached
//   empty        an empty tp_btf sys_enter program (the hook's own cost)
//   empty-exit   the same on sys_exit (the hook count mode uses)
//   cgroup-id-exit a sys_exit program that only reads the cgroup id
//                (bpf_get_current_cgroup_id: task → css_set → cgroup → kernfs node)
//   cgroup-inline the same walk through BTF pointers, without the helper call
//   cgroup-ptr   only task → css_set → cgroup: the address seismod keys rows by
//   cgroup-serial one step further, the cgroup's css serial number
//   seismod-count seismod --syscall-mode count (sys_exit only: calls, errors)
//   seismod-full seismod (sys_enter + sys_exit: calls, errors, latency histogram)
//   bpftrace     tracepoint:raw_syscalls:sys_enter { @[cgroup] = count(); }
//   bpftrace-hist enter/exit latency histogram per cgroup (kBpftraceHist)
// Conditions are interleaved within each round so drift hits all alike;
// medians over rounds with min–max spread, and the added cost vs `none`.
// Then, with BPF run-time statistics on, the kernel's own ns per program run
// for the BPF conditions: noise-free, it splits the added cost into the hook
// (the empty program) and each program's body.
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <bpf/libbpf.h>

#include <fmt/format.h>

#include "bench_process.h"
#include "prog_stats.h"
#include "bench_empty.skel.h"

using namespace seismo::bench;

namespace {

constexpr const char* kBpftraceCount = "tracepoint:raw_syscalls:sys_enter { @[cgroup] = count(); }";
// What the full probe computes, as bpftrace users write it.
constexpr const char* kBpftraceHist =
    "tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; } "
    "tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @lat[cgroup] = hist(nsecs - @start[tid]); "
    "delete(@start[tid]); }";

// The kernel's Meltdown mitigation (PTI) doubles a syscall's page-table
// switches, which moves every ratio against the hook's cost.
std::string pti_state() {
  FILE* f = fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");
  char buf[128] = "unknown";
  if (f && fgets(buf, sizeof(buf), f)) buf[strcspn(buf, "\n")] = 0;
  if (f) fclose(f);
  const bool pti = std::strstr(buf, "PTI") != nullptr;
  return fmt::format("{} (meltdown: {})", pti ? "PTI on" : "no PTI", buf);
}

double ns_per_call(long calls) {
  timespec a{}, b{};
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (static_cast<double>(b.tv_sec - a.tv_sec) * 1e9 + static_cast<double>(b.tv_nsec - a.tv_nsec)) /
         static_cast<double>(calls);
}

// Median of a few back-to-back measurements inside one condition.
double measure(long calls) {
  std::vector<double> v;
  for (int i = 0; i < 3; ++i) v.push_back(ns_per_call(calls));
  return spread(v).median;
}

struct Condition {
  std::string name;
  // Its BPF programs as the kernel names them (15 characters at most), for
  // the run-time statistics; empty: nothing of ours to measure.
  std::set<std::string> programs;
  std::function<bool()> setup;  // false: unavailable (reason printed once)
  std::function<void()> teardown;
};

bool tracefs_mounted() {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  char line[1024];
  bool found = false;
  while (f && fgets(line, sizeof(line), f))
    if (strstr(line, " - tracefs ")) found = true;
  if (f) fclose(f);
  return found;
}

// Kernel-measured ns per syscall spent inside each condition's programs
// (statistics on: each run also pays two clock reads, equal for all).
// owner(): the process holding the condition's programs (seismod, bpftrace
// or this one), so another session's seismod does not count.
void print_program_bodies(const std::vector<Condition>& conds, long calls, const std::function<pid_t()>& owner) {
  RunTimeStats stats_on;
  if (!stats_on.valid()) {
    fmt::print("\n(BPF run-time statistics unavailable: program bodies not measured)\n");
    return;
  }
  fmt::print("\nBPF run-time statistics ({} calls; ns per syscall inside the programs, stats overhead included)\n",
             calls);
  fmt::print("{:<14} {:>12} {:>16}\n", "condition", "prog ns", "over empty-exit");
  double empty_exit = 0;
  std::map<std::string, double> prog_ns;
  for (const auto& c : conds) {
    if (c.programs.empty()) continue;
    if (!c.setup()) {
      c.teardown();
      continue;
    }
    ns_per_call(calls / 10);  // warm the map rows
    auto before = prog_run_stats(c.programs, owner());
    ns_per_call(calls);
    auto after = prog_run_stats(c.programs, owner());
    c.teardown();
    const double per_call = static_cast<double>(after.run_ns - before.run_ns) / static_cast<double>(calls);
    if (c.name == "empty-exit") empty_exit = per_call;
    prog_ns[c.name] = per_call;
    fmt::print("{:<14} {:>12.1f} {:>16}\n", c.name, per_call,
               empty_exit > 0 && c.name != "empty-exit" ? fmt::format("{:.1f}", per_call - empty_exit) : "-");
  }
  if (prog_ns.count("seismod-full") && prog_ns.count("bpftrace"))
    fmt::print("\nfull probe's programs {:.1f} ns vs bpftrace count-only's {:.1f} ns: ratio {:.2f} (target <= 1.0)\n",
               prog_ns["seismod-full"], prog_ns["bpftrace"], prog_ns["seismod-full"] / prog_ns["bpftrace"]);
  if (prog_ns.count("seismod-count") && prog_ns.count("empty-exit"))
    fmt::print("count mode's program {:.1f} ns vs the empty sys_exit program's {:.1f} ns: ratio {:.2f}\n",
               prog_ns["seismod-count"], empty_exit, prog_ns["seismod-count"] / empty_exit);
}

// The bench's own BPF programs and child processes, one at a time.
class Attachments {
 public:
  explicit Attachments(std::string tmp) : tmp_(std::move(tmp)) {}
  ~Attachments() {
    detach_empty();
    stop_child();
  }
  bool attach_empty(bpf_program* (*pick)(bench_empty_bpf*)) {
    empty_ = bench_empty_bpf__open();
    if (!empty_) return false;
    bpf_program* keep = pick(empty_);
    bpf_program* p = nullptr;
    bpf_object__for_each_program(p, empty_->obj) bpf_program__set_autoload(p, p == keep);
    if (bench_empty_bpf__load(empty_) != 0) return false;
    empty_link_ = bpf_program__attach(pick(empty_));
    return empty_link_ != nullptr;
  }
  void detach_empty() {
    bpf_link__destroy(empty_link_);
    bench_empty_bpf__destroy(empty_);
    empty_link_ = nullptr;
    empty_ = nullptr;
  }
  bool start_seismod(const std::string& mode) {
    std::string sock = tmp_ + ".sock";
    child_ = spawn({SEISMOD_PATH, "--metrics-address", "127.0.0.1:" + std::to_string(free_port()), "--socket", sock,
                    "--syscall-mode", mode, "--log-level", "warn"},
                   tmp_ + ".seismod.log");
    if (!wait_for_socket(sock, std::chrono::seconds(20))) {
      fprintf(stderr, "seismod did not start (log %s.seismod.log)\n", tmp_.c_str());
      return false;
    }
    return true;
  }
  bool start_bpftrace(const char* program) {
    if (!tracefs_mounted()) return false;
    std::string log = tmp_ + ".bpftrace.log";
    child_ = spawn({"bpftrace", "-e", program}, log);
    if (!wait_for_text(log, "Attaching", std::chrono::seconds(30))) return false;
    usleep(500000);
    return true;
  }
  [[nodiscard]] pid_t owner() const { return child_ > 0 ? child_ : getpid(); }
  void stop_child() {
    if (child_ <= 0) return;
    stop(child_, SIGTERM);
    child_ = -1;
    usleep(300000);  // let the kernel free the programs
  }

 private:
  std::string tmp_;
  pid_t child_ = -1;
  bench_empty_bpf* empty_ = nullptr;
  bpf_link* empty_link_ = nullptr;
};

Condition empty_condition(Attachments& a, std::string name, std::string program, bpf_program* (*pick)(bench_empty_bpf*)) {
  return {std::move(name), {std::move(program)}, [&a, pick] { return a.attach_empty(pick); }, [&a] { a.detach_empty(); }};
}

std::vector<Condition> conditions(Attachments& a) {
  auto child_gone = [&a] { a.stop_child(); };
  return {
      {"none", {}, [] { return true; }, [] {}},
      empty_condition(a, "empty", "bench_empty_ent", [](bench_empty_bpf* s) { return s->progs.bench_empty_enter; }),
      empty_condition(a, "empty-exit", "bench_empty_exi", [](bench_empty_bpf* s) { return s->progs.bench_empty_exit; }),
      empty_condition(a, "cgroup-id-exit", "bench_cgroup_ex",
                      [](bench_empty_bpf* s) { return s->progs.bench_cgroup_exit; }),
      empty_condition(a, "cgroup-inline", "bench_cgroup_in",
                      [](bench_empty_bpf* s) { return s->progs.bench_cgroup_inline_exit; }),
      empty_condition(a, "cgroup-ptr", "bench_cgroup_pt",
                      [](bench_empty_bpf* s) { return s->progs.bench_cgroup_ptr_exit; }),
      empty_condition(a, "cgroup-serial", "bench_cgroup_se",
                      [](bench_empty_bpf* s) { return s->progs.bench_cgroup_serial_exit; }),
      {"seismod-count", {"syscall_exit"}, [&a] { return a.start_seismod("count"); }, child_gone},
      {"seismod-full", {"syscall_enter", "syscall_exit"}, [&a] { return a.start_seismod("full"); }, child_gone},
      // bpftrace names its program after the probe.
      {"bpftrace", {"sys_enter"}, [&a] { return a.start_bpftrace(kBpftraceCount); }, child_gone},
      {"bpftrace-hist", {"sys_enter", "sys_exit"}, [&a] { return a.start_bpftrace(kBpftraceHist); }, child_gone},
  };
}

// Conditions interleaved within each round; a condition whose setup fails
// is dropped for good (reason printed once).
std::map<std::string, std::vector<double>> run_rounds(const std::vector<Condition>& conds, int rounds, long calls) {
  std::map<std::string, std::vector<double>> results;
  std::set<std::string> unavailable;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& c : conds) {
      if (unavailable.count(c.name)) continue;
      if (!c.setup()) {
        unavailable.insert(c.name);
        fprintf(stderr, "%s: unavailable on this machine (%s)\n", c.name.c_str(),
                c.name.rfind("bpftrace", 0) == 0 ? "bpftrace missing or tracefs not mounted" : "setup failed");
        c.teardown();
        continue;
      }
      results[c.name].push_back(measure(calls));
      c.teardown();
    }
    fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
  }
  return results;
}

std::string kernel_release() {
  FILE* f = fopen("/proc/sys/kernel/osrelease", "r");
  char buf[128] = "?";
  if (f && fgets(buf, sizeof(buf), f)) buf[strcspn(buf, "\n")] = 0;
  if (f) fclose(f);
  return buf;
}

void print_results(const std::vector<Condition>& conds, std::map<std::string, std::vector<double>>& results) {
  double base = spread(results["none"]).median;
  double empty_added = spread(results["empty"]).median - base;
  fmt::print("{:<14} {:>10} {:>10} {:>10} {:>12} {:>14}\n", "condition", "median ns", "min", "max", "added ns",
             "added/empty");
  for (const auto& c : conds) {
    if (results[c.name].empty()) continue;
    auto s = spread(results[c.name]);
    double added = s.median - base;
    fmt::print("{:<14} {:>10.1f} {:>10.1f} {:>10.1f} {:>12.1f} {:>14.2f}\n", c.name, s.median, s.min, s.max, added,
               empty_added > 0 ? added / empty_added : 0.0);
  }
  auto added = [&](const char* n) { return spread(results[n]).median - base; };
  fmt::print("\n");
  if (!results["seismod-count"].empty() && empty_added > 0)
    fmt::print("count mode adds {:.2f}x what the empty sys_enter program adds (target <= 1.3x); "
               "{:.2f}x the empty sys_exit program\n",
               added("seismod-count") / empty_added, added("seismod-count") / added("empty-exit"));
  if (!results["seismod-full"].empty() && !results["bpftrace"].empty())
    fmt::print("full probe adds {:.0f} ns vs bpftrace count-only {:.0f} ns: ratio {:.2f}\n", added("seismod-full"),
               added("bpftrace"), added("seismod-full") / added("bpftrace"));
  if (!results["seismod-full"].empty() && !results["bpftrace-hist"].empty())
    fmt::print("full probe adds {:.0f} ns vs bpftrace latency histogram {:.0f} ns: ratio {:.2f} (target <= 0.6)\n",
               added("seismod-full"), added("bpftrace-hist"), added("seismod-full") / added("bpftrace-hist"));
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  long calls = argc > 2 ? std::atol(argv[2]) : 1000000;
  if (geteuid() != 0) {
    fprintf(stderr, "syscall_overhead: run as root (loads BPF programs)\n");
    return 1;
  }
  libbpf_set_print(nullptr);
  const std::string tmp = "/tmp/seismo-bench-" + std::to_string(getpid());
  Attachments attachments(tmp);
  const auto conds = conditions(attachments);
  auto results = run_rounds(conds, rounds, calls);
  fmt::print("syscall_overhead: getppid, {} calls x3 per sample, {} interleaved rounds, kernel {}, {}\n\n", calls,
             rounds, kernel_release(), pti_state());
  print_results(conds, results);
  std::vector<Condition> available;  // a condition whose setup failed in the rounds is not retried
  for (const auto& c : conds)
    if (!results[c.name].empty()) available.push_back(c);
  print_program_bodies(available, calls, [&attachments] { return attachments.owner(); });
  for (const char* suffix : {".sock", ".seismod.log", ".bpftrace.log"}) unlink((tmp + suffix).c_str());
  return 0;
}
