#pragma once

// Least-squares line through (minute, value) samples, and the rule the soak
// uses to call it growth.

#include <cstddef>
#include <vector>

namespace seismo::bench {

struct Trend {
  size_t samples = 0;
  double slope_per_min = 0;   // least-squares slope
  double slope_stderr = 0;    // its standard error (from the residuals)
  double window_min = 0;      // first to last sample
  // Growth: the slope is positive, more than three standard errors from zero
  // (not a wobble of the samples), and over the window adds at least `floor`
  // (not a statistically clear but negligible drift, e.g. a few KiB of RSS).
  [[nodiscard]] bool grows(double floor) const;
};

Trend fit_trend(const std::vector<double>& minutes, const std::vector<double>& values);

}  // namespace seismo::bench
