#include "scrape_loop.h"

#include <httplib.h>

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
  Window w = window_.value_or(Window{counters_.series, counters_.own_series});
  window_.reset();
  return w;
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
  size_t series = 0, own = 0;
  const std::string& body = res->body;
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    const std::string_view line(body.data() + pos, nl - pos);
    if (!line.empty() && line.front() != '#') {
      ++series;
      for (const auto& m : options_.own_markers)
        if (line.find(m) != std::string_view::npos) {
          ++own;
          break;
        }
    }
    pos = nl + 1;
  }
  std::lock_guard lock(mu_);
  ++counters_.scrapes;
  counters_.series = series;
  counters_.own_series = own;
  if (!window_) window_ = Window{series, own};
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
