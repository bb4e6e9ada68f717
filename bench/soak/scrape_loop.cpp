#include "scrape_loop.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

namespace seismo::bench {

using Clock = std::chrono::steady_clock;

void ScrapeLoop::start() { thread_ = std::thread([this] { run(); }); }

void ScrapeLoop::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ScrapeLoop::Counters ScrapeLoop::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

ScrapeLoop::Window ScrapeLoop::take_window() {
  std::lock_guard lock(mu_);
  Window w = window_.value_or(Window{counters_.series, counters_.own_series, counters_.stale_series});
  window_.reset();
  return w;
}

void ScrapeLoop::count(const std::string& body, size_t& series, size_t& own, size_t& stale, double& collect_ms) {
  static constexpr std::string_view kCollect = "seismo_scrape_duration_seconds ";
  static constexpr std::string_view kCgroup = "cgroup=\"";
  std::unordered_map<std::string_view, size_t> per_cgroup;
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    const std::string_view line(body.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    ++series;
    if (line.substr(0, kCollect.size()) == kCollect) collect_ms = std::atof(std::string(line.substr(kCollect.size())).c_str()) * 1e3;
    for (const auto& m : options_.own_markers)
      if (line.find(m) != std::string_view::npos) {
        ++own;
        break;
      }
    if (auto at = line.find(kCgroup); at != std::string_view::npos) {
      const auto start = at + kCgroup.size();
      ++per_cgroup[line.substr(start, line.find('"', start) - start)];
    }
  }
  std::set<std::string> missing;
  for (const auto& [cgroup, n] : per_cgroup) {
    if (cgroup == "__overflow__") continue;
    std::string path(cgroup);
    if (::access((options_.cgroup_mount + path).c_str(), F_OK) == 0) continue;
    if (missing_.count(path)) stale += n;
    missing.insert(std::move(path));
  }
  missing_ = std::move(missing);
}

void ScrapeLoop::scrape_once() {
  httplib::Client cli("127.0.0.1", options_.port);
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);  // Prometheus' default scrape timeout
  const auto t0 = Clock::now();
  auto res = cli.Get("/metrics");
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!res || res->status != 200) {
    std::lock_guard lock(mu_);
    ++counters_.failures;
    counters_.last_error = res ? fmt::format("HTTP {}", res->status) : httplib::to_string(res.error());
    return;
  }
  size_t series = 0, own = 0, stale = 0;
  double collect_ms = -1;
  count(res->body, series, own, stale, collect_ms);
  std::lock_guard lock(mu_);
  counters_.stale_series = stale;
  if (collect_ms >= 0) counters_.collect_ms.push_back(collect_ms);
  ++counters_.scrapes;
  counters_.series = series;
  counters_.own_series = own;
  if (!window_) window_ = Window{series, own, stale};
  window_->stale_series_floor = std::min(window_->stale_series_floor, stale);
  window_->series_floor = std::min(window_->series_floor, series);
  window_->own_series_floor = std::min(window_->own_series_floor, own);
  counters_.max_ms = std::max(counters_.max_ms, ms);
  counters_.durations_ms.push_back(ms);
}

void ScrapeLoop::run() {
  auto next = Clock::now();
  while (!stop_) {
    scrape_once();
    next += options_.period;
    if (Clock::now() > next) next = Clock::now();  // a slow scrape delays the next, as Prometheus does
    while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace seismo::bench
