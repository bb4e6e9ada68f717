#include "metrics/scraper.h"

#include <bpf/libbpf.h>

#include "common/version.h"
#include "metrics/build_info.h"

namespace seismo::metrics {

Scraper::Scraper(std::unique_ptr<CgroupLabeler> labeler, size_t series_limit, SelfFigures self)
    : labeler_(std::move(labeler)), budget_(series_limit), self_(std::move(self)) {}

void Scraper::add_signal(std::shared_ptr<Signal> signal) {
  std::lock_guard lock(mutex_);
  signals_.push_back(std::move(signal));
}

std::vector<probes::LossCount> Scraper::losses_locked() const {
  std::vector<probes::LossCount> all;
  for (const auto& s : signals_)
    for (auto& l : s->losses()) all.push_back(std::move(l));
  if (self_.extra_losses)
    for (auto& l : self_.extra_losses()) all.push_back(std::move(l));
  all.push_back({"unknown_cgroup", stats_.unknown_cgroup_rows_total});
  return all;
}

std::vector<prometheus::MetricFamily> Scraper::Collect() const {
  std::lock_guard lock(mutex_);
  const auto start = std::chrono::steady_clock::now();
  std::vector<prometheus::MetricFamily> out;
  labeler_->begin_pass();
  ScrapeContext ctx{*labeler_, budget_};
  for (const auto& s : signals_) s->collect(ctx, out);
  stats_.unknown_cgroup_rows_total += ctx.unknown_cgroup_rows;

  auto lost = make_family("seismo_events_lost_total",
                          "Events or counts seismo could not record, by the stage where they were lost.",
                          prometheus::MetricType::Counter);
  for (const auto& l : losses_locked()) lost.metric.push_back(counter_metric({{"stage", l.stage}}, static_cast<double>(l.count)));
  out.push_back(std::move(lost));

  auto series = make_family("seismo_series", "Per-cgroup series currently exported (budget in use).",
                            prometheus::MetricType::Gauge);
  series.metric.push_back(gauge_metric({}, static_cast<double>(budget_.used())));
  out.push_back(std::move(series));
  auto limit = make_family("seismo_series_limit", "The series budget (--series-limit).", prometheus::MetricType::Gauge);
  limit.metric.push_back(gauge_metric({}, static_cast<double>(budget_.limit())));
  out.push_back(std::move(limit));
  auto dropped = make_family("seismo_series_dropped_total",
                             "Series refused by the budget and folded into the __overflow__ series.",
                             prometheus::MetricType::Counter);
  dropped.metric.push_back(counter_metric({}, static_cast<double>(budget_.dropped_total())));
  out.push_back(std::move(dropped));

  if (self_.probes) {
    auto probes = make_family("seismo_probe_attached", "1 if the probe is attached, 0 if it failed (see seismo status).",
                              prometheus::MetricType::Gauge);
    for (const auto& p : self_.probes())
      probes.metric.push_back(gauge_metric({{"probe", p.name}, {"hook", p.hook}}, p.attached ? 1 : 0));
    out.push_back(std::move(probes));
  }
  auto info = make_family("seismo_build_info", "seismo build information.", prometheus::MetricType::Gauge);
  info.metric.push_back(gauge_metric({{"version", build_version()}, {"libbpf", libbpf_version_string()}}, 1));
  out.push_back(std::move(info));

  stats_.scrapes += 1;
  stats_.last_scrape_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto took = make_family("seismo_scrape_duration_seconds", "Time the previous scrape took to read the kernel maps.",
                          prometheus::MetricType::Gauge);
  took.metric.push_back(gauge_metric({}, stats_.last_scrape_seconds));
  out.push_back(std::move(took));
  stats_.series_used = budget_.used();
  stats_.series_limit = budget_.limit();
  stats_.series_dropped_total = budget_.dropped_total();
  return out;
}

std::map<uint64_t, CgroupSummary> Scraper::summaries() const {
  std::lock_guard lock(mutex_);
  std::map<uint64_t, CgroupSummary> out;
  labeler_->begin_pass();
  ScrapeContext ctx{*labeler_, budget_};
  for (const auto& s : signals_) s->summarize(ctx, out);
  return out;
}

std::vector<probes::LossCount> Scraper::losses() const {
  std::lock_guard lock(mutex_);
  return losses_locked();
}

ScrapeStats Scraper::stats() const {
  std::lock_guard lock(mutex_);
  ScrapeStats s = stats_;
  s.series_used = budget_.used();
  s.series_limit = budget_.limit();
  s.series_dropped_total = budget_.dropped_total();
  return s;
}

}  // namespace seismo::metrics
