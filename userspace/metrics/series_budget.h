#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace seismo::metrics {

// Bounds the number of exported series. A signal asks to admit a group of
// series (e.g. one (cgroup, syscall) pair = calls + errors + histogram);
// once admitted a group keeps its place until its owner (a cgroup) dies.
// Groups that do not fit are folded by the caller into an overflow series
// and counted once each in dropped_total(). Memory is bounded by the rows
// the kernel maps can hold. Not thread-safe: used under the scrape lock.
class SeriesBudget {
 public:
  explicit SeriesBudget(size_t limit) : limit_(limit) {}

  bool admit(uint64_t owner, uint64_t key, uint32_t cost);
  // The owner is gone: frees its series and forgets its refusals.
  void release_owner(uint64_t owner);

  [[nodiscard]] size_t used() const { return used_; }
  [[nodiscard]] size_t limit() const { return limit_; }
  // Series refused since start (each refused group counted once, by cost).
  [[nodiscard]] uint64_t dropped_total() const { return dropped_total_; }
  [[nodiscard]] size_t owners() const { return owners_.size(); }

 private:
  struct Owner {
    std::unordered_map<uint64_t, uint32_t> admitted;
    std::unordered_set<uint64_t> refused;
  };
  size_t limit_;
  size_t used_ = 0;
  uint64_t dropped_total_ = 0;
  std::unordered_map<uint64_t, Owner> owners_;
};

}  // namespace seismo::metrics
