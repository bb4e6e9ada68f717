#include "trend.h"

#include <algorithm>
#include <cmath>

namespace seismo::bench {

bool Trend::grows(double floor) const {
  return samples >= 3 && slope_per_min > 0 && slope_per_min > 3 * slope_stderr && slope_per_min * window_min >= floor;
}

Trend fit_trend(const std::vector<double>& minutes, const std::vector<double>& values) {
  Trend t;
  const size_t n = std::min(minutes.size(), values.size());
  t.samples = n;
  if (n < 2) return t;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += minutes[i];
    my += values[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (minutes[i] - mx) * (minutes[i] - mx);
    sxy += (minutes[i] - mx) * (values[i] - my);
  }
  t.window_min = minutes[n - 1] - minutes[0];
  if (sxx <= 0) return t;
  t.slope_per_min = sxy / sxx;
  if (n < 3) return t;
  double ssr = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = values[i] - (my + t.slope_per_min * (minutes[i] - mx));
    ssr += r * r;
  }
  t.slope_stderr = std::sqrt(ssr / static_cast<double>(n - 2) / sxx);
  return t;
}

}  // namespace seismo::bench
