#include <gtest/gtest.h>

#include "chaos/duration.h"

using namespace seismo::chaos;

TEST(Duration, ParsesUnitsAndCompounds) {
  EXPECT_EQ(*parse_duration_ns("250us", "f"), 250'000u);
  EXPECT_EQ(*parse_duration_ns("100ms", "f"), 100'000'000u);
  EXPECT_EQ(*parse_duration_ns("1.5s", "f"), 1'500'000'000u);
  EXPECT_EQ(*parse_duration_ns("2m", "f"), 120'000'000'000u);
  EXPECT_EQ(*parse_duration_ns("1h", "f"), 3'600'000'000'000u);
  EXPECT_EQ(*parse_duration_ns("1m30s", "f"), 90'000'000'000u);
  EXPECT_EQ(*parse_duration_ns("0s", "f"), 0u);
}

TEST(Duration, ErrorsNameTheField) {
  for (const char* bad : {"", "-1s", "10", "s", "10 s", "1.2.3s", "5days", "1e30h"}) {
    auto r = parse_duration_ns(bad, "delay.latency");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message().rfind("delay.latency:", 0), 0u) << r.error().message();
  }
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(30'000'000'000), "30s");
  EXPECT_EQ(format_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(format_duration(3'600'000'000'000), "1h");
  EXPECT_EQ(format_duration(100'000'000), "100ms");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(250'000), "250us");
  EXPECT_EQ(format_duration(7), "7ns");
  for (uint64_t ns : {30'000'000'000ULL, 90'000'000'000ULL, 1'500'000'000ULL, 123'000ULL, 2'500'000ULL})
    EXPECT_EQ(*parse_duration_ns(format_duration(ns), "f"), ns) << format_duration(ns);
}
