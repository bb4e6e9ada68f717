#include "metrics/memory_trimmer.h"

#include <gtest/gtest.h>

#include <thread>

using namespace std::chrono_literals;
using seismo::metrics::MemoryTrimmer;

namespace {
bool wait_for_trims(const MemoryTrimmer& t, unsigned long n) {
  for (int i = 0; i < 500 && t.trims() < n; ++i) std::this_thread::sleep_for(10ms);
  return t.trims() >= n;
}
}  // namespace

TEST(MemoryTrimmer, NothingHappensWithoutAScrape) {
  MemoryTrimmer t(10ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(t.trims(), 0u);
}

TEST(MemoryTrimmer, TrimsOnceAfterABurstOfScrapesGoesQuiet) {
  MemoryTrimmer t(500ms);
  for (int i = 0; i < 20; ++i) t.poke();
  EXPECT_EQ(t.trims(), 0u);  // not before the quiet period
  ASSERT_TRUE(wait_for_trims(t, 1));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(t.trims(), 1u);  // one burst, one trim
  t.poke();
  ASSERT_TRUE(wait_for_trims(t, 2));
}

TEST(MemoryTrimmer, StopsPromptlyWithATrimPending) {
  auto start = std::chrono::steady_clock::now();
  {
    MemoryTrimmer t(1h);
    t.poke();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}
