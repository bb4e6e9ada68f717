#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <prometheus/collectable.h>

#include "metrics/cgroup_labeler.h"
#include "metrics/series_budget.h"
#include "metrics/signal.h"
#include "probes/probe_status.h"

namespace seismo::metrics {

// Daemon-wide figures the scraper exports next to the signals.
struct SelfFigures {
  std::function<std::vector<probes::ProbeStatus>()> probes;
  std::function<std::vector<probes::LossCount>()> extra_losses;  // userspace stages
};

struct ScrapeStats {
  size_t series_used = 0;
  size_t series_limit = 0;
  uint64_t series_dropped_total = 0;
  uint64_t scrapes = 0;
  double last_scrape_seconds = 0;
  uint64_t unknown_cgroup_rows_total = 0;
};

// The one Collectable registered with the exposer. Each scrape, under one
// lock: start a labeler pass, let every signal read its maps, then append
// seismo's own health (losses, budget, probes, build info).
class Scraper : public prometheus::Collectable {
 public:
  Scraper(std::unique_ptr<CgroupLabeler> labeler, size_t series_limit, SelfFigures self);

  void add_signal(std::shared_ptr<Signal> signal);
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Per-cgroup totals for `seismo top` (same lock, same labeler).
  std::map<uint64_t, CgroupSummary> summaries() const;
  std::vector<probes::LossCount> losses() const;
  ScrapeStats stats() const;

 private:
  std::vector<probes::LossCount> losses_locked() const;

  mutable std::mutex mutex_;
  std::unique_ptr<CgroupLabeler> labeler_;
  mutable SeriesBudget budget_;
  std::vector<std::shared_ptr<Signal>> signals_;
  SelfFigures self_;
  mutable ScrapeStats stats_;
};

}  // namespace seismo::metrics
