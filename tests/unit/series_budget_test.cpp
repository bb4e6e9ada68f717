#include "metrics/series_budget.h"

#include <gtest/gtest.h>

using seismo::metrics::SeriesBudget;

TEST(SeriesBudget, AdmitsUntilFullThenRefuses) {
  SeriesBudget b(10);
  EXPECT_TRUE(b.admit(1, 100, 4));
  EXPECT_TRUE(b.admit(1, 101, 4));
  EXPECT_EQ(b.used(), 8u);
  EXPECT_FALSE(b.admit(2, 100, 4));  // would need 12
  EXPECT_EQ(b.dropped_total(), 4u);
  EXPECT_TRUE(b.admit(2, 200, 2));   // still fits exactly
  EXPECT_EQ(b.used(), 10u);
}

TEST(SeriesBudget, AdmittedStaysAdmittedAndIsNotChargedTwice) {
  SeriesBudget b(5);
  EXPECT_TRUE(b.admit(1, 1, 5));
  EXPECT_TRUE(b.admit(1, 1, 5));
  EXPECT_EQ(b.used(), 5u);
}

TEST(SeriesBudget, RefusalCountedOncePerGroup) {
  SeriesBudget b(1);
  EXPECT_TRUE(b.admit(1, 1, 1));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(b.admit(2, 7, 3));
  EXPECT_EQ(b.dropped_total(), 3u);
}

TEST(SeriesBudget, ReleasingAnOwnerFreesRoomForOthers) {
  SeriesBudget b(4);
  EXPECT_TRUE(b.admit(1, 1, 4));
  EXPECT_FALSE(b.admit(2, 1, 4));
  b.release_owner(1);
  EXPECT_EQ(b.used(), 0u);
  EXPECT_TRUE(b.admit(2, 1, 4));
  EXPECT_EQ(b.owners(), 1u);
  b.release_owner(99);  // unknown owner: no effect
  EXPECT_EQ(b.used(), 4u);
}
