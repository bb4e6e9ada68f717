#include <gtest/gtest.h>

#include <set>

#include "chaos/endpoint_selection.h"

using namespace seismo::chaos;

TEST(EndpointSelection, Counts) {
  EXPECT_EQ(selection_count(SelectMode::all, 0, 7), 7u);
  EXPECT_EQ(selection_count(SelectMode::one, 0, 7), 1u);
  EXPECT_EQ(selection_count(SelectMode::fixed, 3, 7), 3u);
  EXPECT_EQ(selection_count(SelectMode::fixed, 30, 7), 7u);
  EXPECT_EQ(selection_count(SelectMode::fixed_percent, 50, 7), 3u);
  EXPECT_EQ(selection_count(SelectMode::fixed_percent, 1, 7), 1u) << "at least one";
  EXPECT_EQ(selection_count(SelectMode::all, 0, 0), 0u);
}

TEST(EndpointSelection, PicksDistinctEndpoints) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100; ++i) {
    auto idx = select_endpoints(SelectMode::fixed, 4, 10, rng);
    ASSERT_EQ(idx.size(), 4u);
    std::set<size_t> distinct(idx.begin(), idx.end());
    EXPECT_EQ(distinct.size(), 4u);
    for (size_t v : idx) EXPECT_LT(v, 10u);
  }
}
