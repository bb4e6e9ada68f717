// bench/soak: seismod under a steady mix of everything that changes at run
// time, for long enough to see whether anything accumulates. Pods churn
// (several created and deleted per second: kubelet-named cgroups with
// processes exec'ing in them, announced and deleted through a fake API
// server's watch); a loss fault is added and removed every 2 s on a veth in
// a private namespace pair; /metrics is scraped every second; `seismo trace
// exec` clients come and go. Every sample period it prints seismod's RSS,
// descriptors, threads, BPF programs/maps/links (from /proc/PID/fdinfo), tc
// objects on its devices, series, known pods and dying cgroups; after the
// warm-up it fits a least-squares slope to each. Then SIGTERM while a fault
// is active and trace clients are connected, and a check for leftovers: the
// BPF objects seismod ever held, tc state, pins, the state file, cgroups.
//
// Exit status: 0 when nothing is left behind and the run held up (seismod
// alive throughout, exited 0 in time, faults took effect), 1 otherwise, 130
// when interrupted (Ctrl-C: the same shutdown and checks, cut short), 77 when
// not root; with --fail-on-growth also 1 when a quantity grew.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "soak_run.h"

using namespace seismo::bench;

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void on_signal(int) { g_interrupted = 1; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
  SoakOptions o;
  CLI::App app{"bench/soak: seismod under pod churn, fault cycles, scrapes and trace clients; prints footprints, "
               "slopes and leftovers"};
  app.add_option("--duration", o.duration_s, "Total run, seconds, warm-up included")->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "Seconds before the slopes' window starts")->capture_default_str();
  app.add_option("--sample-every", o.sample_every_s, "Seconds between samples")->capture_default_str();
  app.add_option("--pods-per-second", o.pods_per_second, "Pods created (and deleted) per second")
      ->capture_default_str();
  app.add_option("--pod-lifetime", o.pod_lifetime_s, "Seconds each pod lives")->capture_default_str();
  app.add_option("--fault-period", o.fault_period_s, "Seconds per fault add + remove")->capture_default_str();
  app.add_option("--scrape-every", o.scrape_every_s, "Seconds between scrapes")->capture_default_str();
  app.add_option("--trace-clients", o.trace_clients, "Most trace clients at once")->capture_default_str();
  app.add_option("--stop-timeout", o.stop_timeout_s, "Seconds seismod may take to exit after SIGTERM")
      ->capture_default_str();
  app.add_option("--stop-signal", o.stop_signal, "TERM, or KILL to check that leftovers are detected")
      ->capture_default_str()
      ->check(CLI::IsMember({"TERM", "KILL"}));
  app.add_flag("--fail-on-growth", o.fail_on_growth, "Exit 1 when a quantity grows after the warm-up");
  app.add_option("--seismod-arg", o.seismod_args, "Extra seismod argument (repeatable)");
  CLI11_PARSE(app, argc, argv);
  if (o.warmup_s >= o.duration_s || o.sample_every_s <= 0 || o.pods_per_second <= 0 || o.fault_period_s <= 0 ||
      o.scrape_every_s <= 0) {
    std::fprintf(stderr, "soak: need 0 < --warmup < --duration and positive periods and rates\n");
    return 2;
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "soak: skipped: needs root (cgroups, namespaces, tc, BPF)\n");
    return 77;
  }
  install_signal_handlers();
  return run_soak(o, g_interrupted);
}
