#pragma once

// The soak's samples and how they are printed: a row per sample, then for
// each quantity its value at the start and end of the measured window, the
// least-squares slope per minute and whether that counts as growth.

#include <cstddef>
#include <string>
#include <vector>

namespace seismo::bench {

struct SoakSample {
  double seconds = 0;  // since the workload started
  double rss_mib = 0;
  double rss_peak_mib = 0;  // the window's highest (all other fields are its lowest)
  double fds = 0, threads = 0;
  double bpf_progs = 0, bpf_maps = 0, bpf_links = 0;
  double tc_objects = 0;
  double series = 0, own_series = 0;
  double stale_series = 0;  // series whose cgroup directory is gone
  double series_used = 0;   // seismod's series budget in use (status)
  double pods_known = 0;
  double dying_cgroups = 0;
  double cpu_percent = 0;  // seismod's, since the previous sample
};

void print_header();
void print_row(const SoakSample& s);

// Prints the summary of samples taken at or after `warmup_seconds`; returns
// the names of the quantities that grew.
std::vector<std::string> print_trends(const std::vector<SoakSample>& samples, double warmup_seconds);

}  // namespace seismo::bench
