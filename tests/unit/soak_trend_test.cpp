// bench/soak's growth rule: a least-squares slope counts as growth only when
// it is more than three standard errors above zero and adds at least the
// floor over the window (docs/benchmarks.md).
#include <gtest/gtest.h>

#include <vector>

#include "trend.h"

using seismo::bench::fit_trend;

namespace {

std::vector<double> minutes(size_t n, double step = 10.0 / 60) {
  std::vector<double> t;
  for (size_t i = 0; i < n; ++i) t.push_back(1 + static_cast<double>(i) * step);
  return t;
}

}  // namespace

TEST(SoakTrend, AnExactLineHasItsSlopeAndNoErrorAndGrows) {
  const auto t = minutes(55);
  std::vector<double> y;
  for (double m : t) y.push_back(40 + 0.5 * m);
  const auto tr = fit_trend(t, y);
  EXPECT_NEAR(tr.slope_per_min, 0.5, 1e-9);
  EXPECT_NEAR(tr.slope_stderr, 0, 1e-9);
  EXPECT_NEAR(tr.window_min, 9, 1e-9);
  EXPECT_TRUE(tr.grows(1.0));
}

TEST(SoakTrend, APhaseWobbleWithoutTrendIsFlat) {
  // What a fault's maps do to a sample taken at a random phase: 25 or 33.
  const auto t = minutes(55);
  std::vector<double> y;
  for (size_t i = 0; i < t.size(); ++i) y.push_back((i * 7) % 3 == 0 ? 33 : 25);
  EXPECT_FALSE(fit_trend(t, y).grows(1));
}

TEST(SoakTrend, ASlopeWithinThreeStandardErrorsIsNotGrowth) {
  // +0.1/min under +-2 of alternating noise: the slope is there, but the
  // residuals make its error larger than a third of it.
  const auto t = minutes(20);
  std::vector<double> y;
  for (size_t i = 0; i < t.size(); ++i) y.push_back(44 + 0.1 * t[i] + (i % 2 ? 2 : -2));
  const auto tr = fit_trend(t, y);
  EXPECT_GT(tr.slope_per_min, 0);
  EXPECT_LT(tr.slope_per_min, 3 * tr.slope_stderr);
  EXPECT_FALSE(tr.grows(0.1));
}

TEST(SoakTrend, AClearButNegligibleDriftIsBelowTheFloor) {
  const auto t = minutes(55);
  std::vector<double> y;
  for (double m : t) y.push_back(44 + 0.01 * m);  // 0.09 over 9 minutes
  EXPECT_FALSE(fit_trend(t, y).grows(1.0));
  EXPECT_TRUE(fit_trend(t, y).grows(0.05));
}

TEST(SoakTrend, ShrinkingIsNotGrowth) {
  const auto t = minutes(55);
  std::vector<double> y;
  for (double m : t) y.push_back(100 - 3 * m);
  EXPECT_FALSE(fit_trend(t, y).grows(1));
}

TEST(SoakTrend, TooFewSamplesCannotGrow) {
  EXPECT_FALSE(fit_trend({1, 2}, {1, 100}).grows(1));
  EXPECT_FALSE(fit_trend({}, {}).grows(1));
  EXPECT_FALSE(fit_trend({1, 1, 1}, {1, 2, 3}).grows(1));  // no spread in time: no slope
}
