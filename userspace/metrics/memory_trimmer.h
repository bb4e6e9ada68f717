#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace seismo::metrics {

// Hands the memory a scrape used back to the kernel once scraping has been
// quiet for a while. A scrape of 10,000 series allocates ~10 MiB of
// short-lived label strings and metric objects in the HTTP worker's malloc
// arena, and glibc keeps freed arena memory mapped: without a trim the
// daemon's RSS would stay at the peak of its largest scrape. Trimming on a
// timer rather than in the request keeps it off the scrape's latency, and
// lowering glibc's thresholds instead was measured to make every scrape ~75 %
// slower (page faults on each one).
class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::milliseconds quiet);
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  // A scrape just ran: trim `quiet` after the last poke.
  void poke();
  [[nodiscard]] unsigned long trims() const;

 private:
  void loop();

  const std::chrono::milliseconds quiet_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<std::chrono::steady_clock::time_point> due_;
  unsigned long trims_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the state it reads
};

}  // namespace seismo::metrics
