#pragma once

// A Prometheus-style scrape of /metrics once per period. Keeps the series
// count of the latest scrape (all of them, and those of the soak's own pods
// and cgroups) and how long scrapes took.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace seismo::bench {

class ScrapeLoop {
 public:
  struct Options {
    uint16_t port = 0;
    std::chrono::milliseconds period{1000};
    // A series is the soak's own when its line contains one of these
    // (its pods' namespace label, its cgroup tree's name).
    std::vector<std::string> own_markers;
    // The cgroup2 mount: a series is stale when its `cgroup` label names a
    // directory that was already gone when the previous scrape ended (so
    // before this scrape began; a cgroup removed while a scrape is under way
    // is not stale yet).
    std::string cgroup_mount;
  };
  struct Counters {
    uint64_t scrapes = 0, failures = 0;
    size_t series = 0, own_series = 0, stale_series = 0;  // of the latest successful scrape
    double max_ms = 0;
    std::vector<double> durations_ms;  // every successful scrape, client side
    std::vector<double> collect_ms;    // seismod's own seismo_scrape_duration_seconds
    std::string last_error;
  };

  // The lowest series counts since the previous call (the latest when no
  // scrape succeeded in between).
  struct Window {
    size_t series_floor = 0, own_series_floor = 0, stale_series_floor = 0;
  };

  explicit ScrapeLoop(Options options) : options_(std::move(options)) {}
  ~ScrapeLoop() { stop(); }
  ScrapeLoop(const ScrapeLoop&) = delete;
  ScrapeLoop& operator=(const ScrapeLoop&) = delete;

  void start();
  void stop();
  [[nodiscard]] Counters counters() const;
  Window take_window();

 private:
  void run();
  void scrape_once();
  // Counts the body's series: all, the soak's own, stale; seismod's collect time.
  void count(const std::string& body, size_t& series, size_t& own, size_t& stale, double& collect_ms);

  Options options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  Counters counters_;
  std::optional<Window> window_;
  std::set<std::string> missing_;  // cgroups of the previous scrape found gone (scrape thread only)
};

}  // namespace seismo::bench
