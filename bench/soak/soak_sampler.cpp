#include "soak_sampler.h"

#include <algorithm>
#include <utility>

#include "../bench_process.h"
#include "leftovers.h"

namespace seismo::bench {

using Clock = std::chrono::steady_clock;

namespace {

void keep_lower(SoakSample& floor, const SoakSample& s) {
  for (double SoakSample::*field : {&SoakSample::rss_mib, &SoakSample::fds, &SoakSample::threads,
                                    &SoakSample::bpf_progs, &SoakSample::bpf_maps, &SoakSample::bpf_links,
                                    &SoakSample::tc_objects, &SoakSample::pods_known, &SoakSample::series_used,
                                    &SoakSample::dying_cgroups})
    floor.*field = std::min(floor.*field, s.*field);
}

}  // namespace

Result<void> Sampler::poll() {
  auto f = read_footprint(pid_);
  if (!f) return fail(std::move(f).error());
  seen_.merge(f->ids);
  SoakSample s;
  s.rss_mib = static_cast<double>(f->rss_kib) / 1024.0;
  s.fds = static_cast<double>(f->fds);
  s.threads = static_cast<double>(f->threads);
  s.bpf_progs = static_cast<double>(f->bpf_progs);
  s.bpf_maps = static_cast<double>(f->bpf_maps);
  s.bpf_links = static_cast<double>(f->bpf_links);
  s.tc_objects = static_cast<double>(lab_.tc_objects());
  const auto st = daemon_status(lab_.socket);
  s.pods_known = st.contains("pods") ? st["pods"].value("known", -1.0) : -1.0;
  s.series_used = st.contains("series") ? st["series"].value("used", -1.0) : -1.0;
  s.dying_cgroups = static_cast<double>(cgroup_counts(lab_.pods_dir()).dying);
  rss_peak_mib_ = std::max(rss_peak_mib_, s.rss_mib);
  if (!floor_)
    floor_ = s;
  else
    keep_lower(*floor_, s);
  return {};
}

Result<SoakSample> Sampler::take() {
  if (auto r = poll(); !r) return fail(std::move(r).error());
  SoakSample s = *floor_;
  floor_.reset();
  const auto now = Clock::now();
  s.seconds = std::chrono::duration<double>(now - started_).count();
  s.rss_peak_mib = std::exchange(rss_peak_mib_, 0);
  const auto w = scrapes_.take_window();
  s.series = static_cast<double>(w.series_floor);
  s.own_series = static_cast<double>(w.own_series_floor);
  s.stale_series = static_cast<double>(w.stale_series_floor);
  const double cpu = cpu_seconds(pid_);
  const double dt = std::chrono::duration<double>(now - last_time_).count();
  s.cpu_percent = last_cpu_ >= 0 && dt > 0 ? (cpu - last_cpu_) / dt * 100 : 0;
  last_cpu_ = cpu;
  last_time_ = now;
  return s;
}

}  // namespace seismo::bench
