#include "metrics/memory_trimmer.h"

#include <malloc.h>

namespace seismo::metrics {

MemoryTrimmer::MemoryTrimmer(std::chrono::milliseconds quiet) : quiet_(quiet), thread_([this] { loop(); }) {}

MemoryTrimmer::~MemoryTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void MemoryTrimmer::poke() {
  {
    std::lock_guard lock(mutex_);
    due_ = std::chrono::steady_clock::now() + quiet_;
  }
  cv_.notify_one();
}

unsigned long MemoryTrimmer::trims() const {
  std::lock_guard lock(mutex_);
  return trims_;
}

void MemoryTrimmer::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!due_) {
      cv_.wait(lock);
      continue;
    }
    // A poke while waiting moves the deadline: re-check after every wake.
    auto due = *due_;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    due_.reset();
    lock.unlock();
    ::malloc_trim(0);
    lock.lock();
    ++trims_;
  }
}

}  // namespace seismo::metrics
