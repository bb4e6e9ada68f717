#include "metrics/log2_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

using seismo::metrics::Log2Histogram;

TEST(Log2Histogram, BoundsAreExactSlotEdges) {
  Log2Histogram h(10, 14, 2);  // 2^10, 2^12, 2^14 ns, +Inf
  uint64_t slots[32] = {};
  slots[0] = 1;   // [0,2) ns
  slots[9] = 2;   // [512,1024) ns → ≤ 2^10
  slots[10] = 4;  // [1024,2048) → ≤ 2^12
  slots[11] = 8;  // [2048,4096) → ≤ 2^12
  slots[13] = 16; // [8192,16384) → ≤ 2^14
  slots[14] = 32; // [16384,…) → +Inf only
  slots[31] = 64; // open-ended last slot → +Inf only
  auto b = h.buckets(slots, 32);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_DOUBLE_EQ(b[0].upper_bound_seconds, 1024e-9);
  EXPECT_EQ(b[0].cumulative_count, 3u);
  EXPECT_DOUBLE_EQ(b[1].upper_bound_seconds, 4096e-9);
  EXPECT_EQ(b[1].cumulative_count, 15u);
  EXPECT_EQ(b[2].cumulative_count, 31u);
  EXPECT_TRUE(std::isinf(b[3].upper_bound_seconds));
  EXPECT_EQ(b[3].cumulative_count, 127u);
}

TEST(Log2Histogram, InfBucketEqualsTotal) {
  const auto& h = Log2Histogram::syscall_layout();
  uint64_t slots[32];
  uint64_t total = 0;
  for (int i = 0; i < 32; ++i) total += (slots[i] = static_cast<uint64_t>(i * 7 + 1));
  auto b = h.buckets(slots, 32);
  EXPECT_EQ(b.size(), h.bucket_count());
  EXPECT_EQ(b.back().cumulative_count, total);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_GE(b[i].cumulative_count, b[i - 1].cumulative_count);
    EXPECT_GT(b[i].upper_bound_seconds, b[i - 1].upper_bound_seconds);
  }
}

TEST(Log2Histogram, BoundsPastTheOpenSlotAreDropped) {
  Log2Histogram h(2, 40, 2);  // asks for bounds beyond the 32 kernel slots
  uint64_t slots[32] = {};
  slots[31] = 5;
  auto b = h.buckets(slots, 32);
  // Bounds up to 2^30 (slot 29's edge) are exact; 2^32 would cut the open slot.
  EXPECT_DOUBLE_EQ(b[b.size() - 2].upper_bound_seconds, std::ldexp(1.0, 30) / 1e9);
  EXPECT_EQ(b.back().cumulative_count, 5u);
  EXPECT_EQ(b[b.size() - 2].cumulative_count, 0u);
}

TEST(Log2Histogram, RejectsBadLayout) {
  EXPECT_THROW(Log2Histogram(10, 5, 1), std::invalid_argument);
  EXPECT_THROW(Log2Histogram(1, 10, 0), std::invalid_argument);
}
