#include "metrics/log2_histogram.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace seismo::metrics {

Log2Histogram::Log2Histogram(unsigned first_exp, unsigned last_exp, unsigned step) {
  if (step == 0 || first_exp == 0 || last_exp < first_exp || last_exp > 62)
    throw std::invalid_argument("Log2Histogram: bad layout");
  for (unsigned e = first_exp; e <= last_exp; e += step) exps_.push_back(e);
}

const Log2Histogram& Log2Histogram::syscall_layout() {
  static const Log2Histogram layout(10, 30, 2);
  return layout;
}

std::vector<Bucket> Log2Histogram::buckets_impl(const std::vector<uint64_t>& slots) const {
  const auto nslots = static_cast<unsigned>(slots.size());
  std::vector<Bucket> out;
  out.reserve(exps_.size() + 1);
  uint64_t cumulative = 0;
  unsigned slot = 0;
  for (unsigned e : exps_) {
    // Bound 2^e ns is the upper edge of slot e-1; the last kernel slot is
    // open-ended, so bounds at or past it can only be filled by +Inf.
    unsigned last_included = e - 1;
    if (last_included >= nslots - 1) break;
    for (; slot <= last_included; ++slot) cumulative += slots[slot];
    out.push_back({std::ldexp(1.0, static_cast<int>(e)) / 1e9, cumulative});
  }
  for (; slot < nslots; ++slot) cumulative += slots[slot];
  out.push_back({std::numeric_limits<double>::infinity(), cumulative});
  return out;
}

}  // namespace seismo::metrics
