#include "pods/backoff.h"

#include <gtest/gtest.h>

using seismo::pods::Backoff;
using namespace std::chrono_literals;

TEST(Backoff, DoublesUpToTheCapAndResets) {
  Backoff b(100ms, 1000ms, [] { return 1.0; });
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1000ms);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.next(), 1000ms);
  b.reset();
  EXPECT_EQ(b.next(), 100ms);
}

TEST(Backoff, JitterScalesBetweenHalfAndFull) {
  Backoff low(100ms, 1000ms, [] { return 0.0; });
  EXPECT_EQ(low.next(), 50ms);
  EXPECT_EQ(low.next(), 100ms);
  Backoff mid(100ms, 1000ms, [] { return 0.5; });
  EXPECT_EQ(mid.next(), 75ms);
  Backoff wild(100ms, 1000ms, [] { return 7.0; });  // out-of-range jitter is clamped
  EXPECT_EQ(wild.next(), 100ms);
}

TEST(Backoff, NeverZero) {
  Backoff b(0ms, 0ms, [] { return 0.0; });
  EXPECT_GE(b.next(), 1ms);
}
