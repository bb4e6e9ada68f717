#include "soak_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "../bench_process.h"
#include "daemon_footprint.h"
#include "fault_cycle.h"
#include "leftovers.h"
#include "owned_child.h"
#include "pod_churn.h"
#include "scrape_loop.h"
#include "soak_lab.h"
#include "soak_report.h"
#include "soak_sampler.h"
#include "trace_clients.h"

namespace seismo::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

std::string tail_of(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

Result<OwnedChild> start_seismod(const Lab& lab, const SoakOptions& o, uint16_t port) {
  std::vector<std::string> argv = {SEISMOD_PATH, "--metrics-address", fmt::format("127.0.0.1:{}", port),
                                   "--socket", lab.socket, "--kubeconfig", lab.kubeconfig(), "--node-name", lab.node,
                                   "--bpffs", lab.fs.bpffs(), "--fault-state", lab.fs.state_file()};
  argv.insert(argv.end(), o.seismod_args.begin(), o.seismod_args.end());
  auto child = OwnedChild::spawn_logged(argv, lab.log());
  if (!child) return child;
  // Ready: the control socket answers and the pod list is synced. A loaded
  // 2-core machine loads the probes' programs in seconds, not minutes.
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline) {
    if (auto code = child->poll_exit())
      return fail_plain(fmt::format("seismod exited {} during start-up: {}", *code, tail_of(lab.log(), 4000)));
    const json st = daemon_status(lab.socket);
    if (st.contains("pods") && st["pods"].value("synced", false)) return child;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return fail_plain("seismod not ready within 90 s: " + tail_of(lab.log(), 4000));
}

struct Check {
  std::string what;
  bool ok;
  std::string detail;
};

void print_checks(const std::vector<Check>& checks) {
  for (const auto& c : checks) fmt::print("  [{}] {}: {}\n", c.ok ? " ok " : "FAIL", c.what, c.detail);
}

// The workload, started after seismod is ready and stopped in shutdown().
struct Workload {
  ScrapeLoop scrapes;
  PodChurn churn;
  FaultCycle faults;
  TraceClients traces;

  Workload(const Lab& lab, const SoakOptions& o, uint16_t port)
      : scrapes({port, ms(o.scrape_every_s), {fmt::format("namespace=\"{}\"", lab.pod_namespace), lab.tree_name()}, lab.tree.mount()}),
        churn(lab.tree, *lab.api, {o.pods_per_second, ms(o.pod_lifetime_s), 2, lab.pod_namespace, lab.node}),
        faults(lab.net, {SEISMO_CLI_PATH, lab.socket, fmt::format("soak-{}", ::getpid()), ms(o.fault_period_s), 20, 100}),
        traces({SEISMO_CLI_PATH, lab.socket, o.trace_clients, std::chrono::milliseconds(1500),
                std::chrono::milliseconds(2000), std::chrono::milliseconds(8000)}) {}

  bool start() {
    scrapes.start();
    churn.start();
    traces.start();
    return faults.start();
  }
};

void print_workload(const Workload& w, double seconds) {
  const auto c = w.churn.counters();
  const auto f = w.faults.counters();
  const auto s = w.scrapes.counters();
  const auto t = w.traces.counters();
  const auto pct = [](uint64_t part, uint64_t whole) { return whole ? 100.0 * double(part) / double(whole) : 0.0; };
  const auto sp = spread(s.durations_ms);
  fmt::print("\nworkload over {:.0f} s:\n", seconds);
  fmt::print("  pods: {} created ({:.2f}/s), {} deleted, {} execs; {} create and {} exec failures; schedule "
             "slipped by up to {:.2f} s\n",
             c.created, double(c.created) / seconds, c.deleted, c.execs, c.create_failures, c.exec_failures,
             c.behind_seconds);
  fmt::print("  faults: {} added, {} removed, {} add and {} remove failures; datagrams delivered with the fault "
             "{:.1f}% ({}/{}), after removal {:.1f}% ({}/{})\n",
             f.adds, f.removes, f.add_failures, f.remove_failures, pct(f.received_faulted, f.sent_faulted),
             f.received_faulted, f.sent_faulted, pct(f.received_clear, f.sent_clear), f.received_clear, f.sent_clear);
  const auto add_ms = spread(f.add_ms), rm_ms = spread(f.remove_ms);
  fmt::print("    `seismo fault add` ms median {:.0f}, max {:.0f}; `fault rm` median {:.0f}, max {:.0f}\n",
             add_ms.median, add_ms.max, rm_ms.median, rm_ms.max);
  if (!f.last_error.empty()) fmt::print("    last fault error: {}\n", f.last_error);
  const auto collect = spread(s.collect_ms);
  fmt::print("  scrapes: {} ok, {} failed; client-side ms median {:.1f}, max {:.1f}; seismod's collect ms median "
             "{:.1f}, max {:.1f}\n",
             s.scrapes, s.failures, sp.median, sp.max, collect.median, collect.max);
  if (!s.last_error.empty()) fmt::print("    last scrape error: {}\n", s.last_error);
  fmt::print("  trace clients: {} started, {} ended by SIGINT, {} by SIGKILL, {} by --count; {} bad exits; {} "
             "events read\n",
             t.started, t.interrupted, t.killed, t.exited_by_count, t.bad_exits, t.events);
  if (!t.last_bad.empty()) fmt::print("    last: {}\n", t.last_bad);
}

// Workload checks that do not need seismod to have stopped.
std::vector<Check> workload_checks(const Workload& w, int loss_percent) {
  const auto f = w.faults.counters();
  const auto s = w.scrapes.counters();
  const auto t = w.traces.counters();
  const double faulted = f.sent_faulted ? double(f.received_faulted) / double(f.sent_faulted) : 1;
  const double clear = f.sent_clear ? double(f.received_clear) / double(f.sent_clear) : 0;
  // The fault drops loss_percent of a -> b; a fault that did nothing would
  // deliver as much as the clear halves. Half the loss rate is the margin
  // (thousands of datagrams: the binomial spread is well under 1 %).
  const bool effect = f.sent_faulted > 0 && clear - faulted >= loss_percent / 200.0;
  return {
      {"every fault add and remove succeeded", f.add_failures == 0 && f.remove_failures == 0 && f.adds > 0,
       fmt::format("{} adds, {} removes, {} failures", f.adds, f.removes, f.add_failures + f.remove_failures)},
      {"faults took effect and went away", effect,
       fmt::format("delivered {:.1f}% with the fault, {:.1f}% without", 100 * faulted, 100 * clear)},
      {"every scrape answered", s.failures == 0 && s.scrapes > 0, fmt::format("{} ok, {} failed", s.scrapes, s.failures)},
      {"trace clients ended as asked", t.bad_exits == 0 && t.started > 0,
       fmt::format("{} started, {} bad exits", t.started, t.bad_exits)},
  };
}

// Runs until the duration ends, the soak is interrupted or seismod dies;
// returns seismod's exit status if it died.
std::optional<int> measure(Sampler& sampler, OwnedChild& seismod, const SoakOptions& o,
                           const volatile std::sig_atomic_t& interrupted, std::vector<SoakSample>& samples) {
  print_header();
  auto next_poll = sampler.started();
  auto next_sample = sampler.started() + ms(o.sample_every_s);
  const auto end = sampler.started() + ms(o.duration_s);
  while (Clock::now() < end && !interrupted) {
    if (auto code = seismod.poll_exit()) return code;
    if (Clock::now() >= next_poll) {
      if (auto r = sampler.poll(); !r) fmt::print("poll failed: {}\n", r.error().message());
      next_poll = std::max(next_poll + std::chrono::seconds(1), Clock::now() + std::chrono::milliseconds(500));
    }
    if (Clock::now() >= next_sample) {
      auto s = sampler.take();
      if (s) {
        samples.push_back(*s);
        print_row(*s);
      } else {
        fmt::print("sample failed: {}\n", s.error().message());
      }
      // A late sample (a slow poll on a loaded machine) moves the schedule, not a burst of samples.
      next_sample = std::max(next_sample + ms(o.sample_every_s), Clock::now() + ms(o.sample_every_s) / 2);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

// The churn has stopped and every pod is deleted: the daemon must forget
// them and their series (a deleted pod's series go by the next scrape).
Check forget_deleted_pods(const Lab& lab, const Workload& w) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  double known = -1;
  size_t own = 0;
  while (Clock::now() < deadline) {
    const json st = daemon_status(lab.socket);
    known = st.contains("pods") ? st["pods"].value("known", -1.0) : -1.0;
    own = w.scrapes.counters().own_series;
    if (known == 0 && own == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return {"deleted pods forgotten (store and series)", known == 0 && own == 0,
          fmt::format("{} pods known, {} soak series, within 30 s of the last deletion", known, own)};
}

// SIGTERM with a fault active and trace clients connected; then what is left.
std::vector<Check> shut_down(Lab& lab, OwnedChild& seismod, Workload& w, Sampler& sampler, const SoakOptions& o) {
  std::vector<Check> checks;
  const std::string last_fault = w.faults.stop(true);
  const long tc_before = lab.tc_objects();
  checks.push_back({"a fault was active at SIGTERM", !last_fault.empty() && tc_before > 0,
                    fmt::format("{} with {} tc objects on its device", last_fault, tc_before)});
  w.traces.freeze();
  const size_t clients = w.traces.counters().alive;
  if (auto s = sampler.take(); !s) fmt::print("last sample failed: {}\n", s.error().message());
  const auto t0 = Clock::now();
  auto code = seismod.stop(o.stop_signal == "KILL" ? SIGKILL : SIGTERM, ms(o.stop_timeout_s));
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  checks.push_back({"seismod exited 0 after SIG" + o.stop_signal, code && *code == 0,
                    code ? fmt::format("status {} after {:.2f} s (bound {:.0f} s)", *code, took, o.stop_timeout_s)
                         : fmt::format("{} (SIGKILLed)", code.error().message())});
  const size_t stuck = w.traces.wait_all_exit(std::chrono::seconds(5));
  checks.push_back({"trace clients left with the daemon", stuck == 0,
                    fmt::format("{} of {} connected clients still running 5 s later", stuck, clients)});
  w.traces.stop();
  return checks;
}

std::vector<Check> leftover_checks(const Lab& lab, const BpfIds& seen) {
  std::vector<Check> checks;
  const BpfIds left = surviving(seen, std::chrono::seconds(5));
  checks.push_back({"no BPF object seismod held survives it", left.progs.empty() && left.maps.empty() && left.links.empty(),
                    fmt::format("{} progs, {} maps, {} links held during the run; {} / {} / {} still loaded",
                                seen.progs.size(), seen.maps.size(), seen.links.size(), left.progs.size(),
                                left.maps.size(), left.links.size())});
  const long tc_a = tc_objects(lab.net.a(), lab.net.veth().a_name());
  const long tc_b = tc_objects(lab.net.b(), lab.net.veth().b_name());
  checks.push_back({"no qdisc or filter on its devices", tc_a == 0 && tc_b == 0,
                    fmt::format("{} on {}, {} on {}", tc_a, lab.net.veth().a_name(), tc_b, lab.net.veth().b_name())});
  const auto pins = lab.fs.pins();
  checks.push_back({"no pins in its bpffs", pins.empty(), fmt::format("{} pins", pins.size())});
  const long recorded = state_file_entries(lab.fs.state_file());
  checks.push_back({"state file records nothing", recorded == 0, fmt::format("{} faults/devices recorded", recorded)});
  // Dying cgroups are freed once nothing references them (RCU, then a
  // workqueue): seconds at most once seismod's references are gone.
  CgroupCounts cg = cgroup_counts(lab.pods_dir());
  for (int i = 0; i < 100 && cg.dying > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cg = cgroup_counts(lab.pods_dir());
  }
  checks.push_back({"no pod cgroups left, live or dying", cg.descendants == 0 && cg.dying == 0,
                    fmt::format("{} live, {} dying under {}", cg.descendants, cg.dying, lab.pods_dir())});
  return checks;
}

}  // namespace

int run_soak(const SoakOptions& o, const volatile std::sig_atomic_t& interrupted) {
  auto lab = make_lab();
  if (!lab) {
    fmt::print(stderr, "soak: setting up: {}\n", lab.error().message());
    return 1;
  }
  const uint16_t port = free_port();
  auto seismod = start_seismod(**lab, o, port);
  if (!seismod) {
    fmt::print(stderr, "soak: {}\n", seismod.error().message());
    return 1;
  }
  fmt::print("soak: seismod pid {}; {:.0f} s ({:.0f} s warm-up), {:.1f} pods/s living {:.0f} s, a fault add+remove "
             "every {:.0f} s, a scrape every {:.0f} s, up to {} trace clients; a sample every {:.0f} s\n",
             seismod->pid(), o.duration_s, o.warmup_s, o.pods_per_second, o.pod_lifetime_s, o.fault_period_s,
             o.scrape_every_s, o.trace_clients, o.sample_every_s);
  Workload w(**lab, o, port);
  Sampler sampler(**lab, seismod->pid(), w.scrapes);
  std::vector<Check> checks;
  const bool started = w.start();
  checks.push_back({"fault traffic sockets set up", started, started ? "a -> b on the veth" : "socket/bind/connect"});
  std::vector<SoakSample> samples;
  const auto died = started ? measure(sampler, *seismod, o, interrupted, samples) : std::nullopt;
  const double ran = std::chrono::duration<double>(Clock::now() - sampler.started()).count();
  checks.push_back({"seismod ran throughout", !died,
                    died ? fmt::format("exited {}: {}", *died, tail_of((*lab)->log(), 4000)) : "alive"});
  w.churn.stop();
  if (!died) checks.push_back(forget_deleted_pods(**lab, w));
  w.scrapes.stop();
  print_workload(w, ran);
  const auto grew = print_trends(samples, o.warmup_s);
  auto run_checks = workload_checks(w, 20);
  checks.insert(checks.end(), run_checks.begin(), run_checks.end());
  if (!died) {
    auto down = shut_down(**lab, *seismod, w, sampler, o);
    checks.insert(checks.end(), down.begin(), down.end());
  }
  w.traces.stop();
  auto left = leftover_checks(**lab, sampler.seen());
  checks.insert(checks.end(), left.begin(), left.end());
  fmt::print("\nchecks:\n");
  print_checks(checks);
  bool ok = true;
  for (const auto& c : checks) ok = ok && c.ok;
  if (!ok) fmt::print("\nseismod log (tail):\n{}\n", tail_of((*lab)->log(), 3000));
  if (!grew.empty()) fmt::print("\ngrowth after the warm-up: {}\n", fmt::join(grew, ", "));
  if (interrupted) fmt::print("\ninterrupted after {:.0f} s\n", ran);
  if (!ok || (o.fail_on_growth && !grew.empty())) return 1;
  return interrupted ? 130 : 0;  // clean, but not the run that was asked for
}

}  // namespace seismo::bench
