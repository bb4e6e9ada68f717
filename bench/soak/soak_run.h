#pragma once

#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

namespace seismo::bench {

struct SoakOptions {
  double duration_s = 600;  // total, warm-up included
  double warmup_s = 60;
  double sample_every_s = 10;
  double pods_per_second = 4;
  double pod_lifetime_s = 5;
  double fault_period_s = 2;
  double scrape_every_s = 1;
  double stop_timeout_s = 10;
  size_t trace_clients = 4;
  bool fail_on_growth = false;
  // How seismod is stopped at the end: "TERM" (what the kubelet sends
  // first), or "KILL" to see what a daemon that cannot clean up leaves
  // (the check that the leftover checks catch leftovers).
  std::string stop_signal = "TERM";
  std::vector<std::string> seismod_args;
};

// Sets everything up, runs, shuts seismod down, checks for leftovers and
// removes what the soak created. Returns the process exit status.
int run_soak(const SoakOptions& options, const volatile std::sig_atomic_t& interrupted);

}  // namespace seismo::bench
