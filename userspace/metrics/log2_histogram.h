#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seismo::metrics {

struct Bucket {
  double upper_bound_seconds;  // +Inf for the last
  uint64_t cumulative_count;
};

// Converts the kernel's log2 nanosecond slots (slot i counts [2^i, 2^(i+1)),
// the last slot everything above) into cumulative Prometheus buckets with
// upper bounds 2^first_exp, 2^(first_exp+step), … ns up to 2^last_exp, then
// +Inf. Each exported bound is an exact slot edge, so no count is split.
class Log2Histogram {
 public:
  Log2Histogram(unsigned first_exp, unsigned last_exp, unsigned step);

  // Default export: 1.02 µs, 4.1 µs, … 1.07 s (11 bounds) and +Inf.
  static const Log2Histogram& syscall_layout();

  // Works on the kernel's __u64 slots and on plain uint64_t arrays alike.
  template <class Count>
  [[nodiscard]] std::vector<Bucket> buckets(const Count* slots, unsigned nslots) const {
    std::vector<uint64_t> wide(slots, slots + nslots);
    return buckets_impl(wide);
  }
  [[nodiscard]] size_t bucket_count() const { return exps_.size() + 1; }

 private:
  [[nodiscard]] std::vector<Bucket> buckets_impl(const std::vector<uint64_t>& slots) const;
  std::vector<unsigned> exps_;
};

}  // namespace seismo::metrics
