#pragma once

// Polls seismod and the lab once a second and closes a window every sample
// period. A sample holds each quantity's floor over its window (the lowest
// value polled): what the workload's phase adds (a fault's program and maps
// loaded, a scrape's buffers, a pod more or less) comes and goes, while a
// leak raises the floor. RSS also has its peak.

#include <sys/types.h>

#include <chrono>
#include <optional>

#include "../bench_process.h"
#include "common/result.h"
#include "daemon_footprint.h"
#include "scrape_loop.h"
#include "soak_lab.h"
#include "soak_report.h"

namespace seismo::bench {

class Sampler {
 public:
  Sampler(const Lab& lab, pid_t pid, ScrapeLoop& scrapes)
      : lab_(lab), pid_(pid), scrapes_(scrapes), started_(std::chrono::steady_clock::now()), last_time_(started_),
        last_cpu_(cpu_seconds(pid)) {}

  [[nodiscard]] std::chrono::steady_clock::time_point started() const { return started_; }
  // Every BPF object seismod held at any poll.
  [[nodiscard]] const BpfIds& seen() const { return seen_; }

  Result<void> poll();
  // The window's floors (and RSS peak) as one sample, timed now; starts the next window.
  Result<SoakSample> take();

 private:
  const Lab& lab_;
  pid_t pid_;
  ScrapeLoop& scrapes_;
  std::chrono::steady_clock::time_point started_;
  BpfIds seen_;
  std::optional<SoakSample> floor_;
  double rss_peak_mib_ = 0;
  std::chrono::steady_clock::time_point last_time_;
  double last_cpu_;
};

}  // namespace seismo::bench
