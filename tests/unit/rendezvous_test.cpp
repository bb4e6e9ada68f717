#include "pods/rendezvous.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

using seismo::pods::PickMode;
using seismo::pods::Pod;
using seismo::pods::pick;
using seismo::pods::pick_count;
using seismo::pods::rendezvous_order;
using seismo::pods::rendezvous_weight;

namespace {

std::vector<Pod> pods(std::size_t n) {
  std::vector<Pod> out;
  for (std::size_t i = 0; i < n; ++i) {
    Pod p;
    p.uid = fmt::format("0b7c9f5e-1111-4c3a-9d2e-{:012}", i);
    p.namespace_name = "shop";
    p.name = fmt::format("web-{}", i);
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> uids(const std::vector<Pod>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.uid);
  return out;
}

}  // namespace

// The weights are a contract between seismod versions on one cluster, so
// they are pinned to values computed independently, in Python:
//   M = 2**64 - 1
//   def fnv(b):  h = 0xcbf29ce484222325; [h := ((h ^ c) * 0x100000001b3) & M for c in b]; return h
//   def sm(x):   z = (x + 0x9e3779b97f4a7c15) & M
//                z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
//                z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M; return z ^ (z >> 31)
//   w = lambda k, u: sm(fnv(k.encode() + b'\0' + u.encode()))
TEST(Rendezvous, WeightsArePinned) {
  EXPECT_EQ(rendezvous_weight("fault-uid-1", "pod-a"), 0x48b277066feed24cULL);
  EXPECT_EQ(rendezvous_weight("fault-uid-1", "pod-b"), 0xeb3e449dbc633424ULL);
  EXPECT_EQ(rendezvous_weight("42", "0b7c9f5e-1111-4c3a-9d2e-000000000001"), 0x029f1f9dc91cabcbULL);
  EXPECT_EQ(rendezvous_weight("", ""), 0x71b8262bb6e2e086ULL);
}

TEST(Rendezvous, SeparatorKeepsKeyAndUidApart) {
  // Without the '\0' these two would hash the same bytes "ab" + "c".
  EXPECT_NE(rendezvous_weight("ab", "c"), rendezvous_weight("a", "bc"));
}

TEST(Rendezvous, OrderIsByWeightDescending) {
  auto ordered = rendezvous_order("fault-uid-1", pods(20));
  ASSERT_EQ(ordered.size(), 20u);
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_GE(rendezvous_weight("fault-uid-1", ordered[i - 1].uid), rendezvous_weight("fault-uid-1", ordered[i].uid));
  }
}

TEST(Rendezvous, OrderDoesNotDependOnInputOrder) {
  auto base = uids(rendezvous_order("key", pods(30)));
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    auto shuffled = pods(30);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(uids(rendezvous_order("key", shuffled)), base) << "round " << round;
  }
}

TEST(Rendezvous, TiesGoByUidAscending) {
  // The same uid twice has the same weight: a tie, kept in uid order and
  // stable whatever the input order (the pods differ only by name).
  auto a = pods(1).front();
  auto b = a;
  b.name = "other";
  auto c = pods(3).back();
  auto one = rendezvous_order("k", {a, c, b});
  auto two = rendezvous_order("k", {b, a, c});
  ASSERT_EQ(one, two);  // whole pods: the tie is broken by name, not input order
}

TEST(Rendezvous, DifferentKeysGiveDifferentOrders) {
  EXPECT_NE(uids(rendezvous_order("fault-a", pods(10))), uids(rendezvous_order("fault-b", pods(10))));
}

TEST(Rendezvous, FixedNIsAPrefixOfFixedNPlusOne) {
  auto candidates = pods(12);
  for (std::size_t n = 1; n < 12; ++n) {
    auto small = uids(pick(PickMode::fixed, std::to_string(n), "key", candidates));
    auto big = uids(pick(PickMode::fixed, std::to_string(n + 1), "key", candidates));
    ASSERT_EQ(small.size(), n);
    ASSERT_EQ(big.size(), n + 1);
    EXPECT_TRUE(std::equal(small.begin(), small.end(), big.begin())) << n;
  }
}

TEST(Rendezvous, RemovingAnUnpickedPodKeepsThePick) {
  auto candidates = pods(10);
  auto picked = uids(pick(PickMode::fixed, "3", "key", candidates));
  std::vector<Pod> fewer;
  for (const auto& p : candidates) {
    if (p.uid != rendezvous_order("key", candidates).back().uid) fewer.push_back(p);
  }
  EXPECT_EQ(uids(pick(PickMode::fixed, "3", "key", fewer)), picked);
}

// Model: for a good hash each of n pods ranks first for a key with
// probability 1/n, so over K independent keys its count is
// Binomial(K, 1/n): mean K/n, sd sqrt(K·(1/n)·(1−1/n)). With K = 10000 and
// n = 5: mean 2000, sd 40; a two-sided 99.9% bound is 3.29 sd = ±132.
// The keys are fixed, so this result is deterministic (no flake).
TEST(Rendezvous, EachPodRanksFirstForAboutOneKeyInN) {
  constexpr int kKeys = 10000;
  constexpr std::size_t kPods = 5;
  auto candidates = pods(kPods);
  std::map<std::string, int> first;
  for (int k = 0; k < kKeys; ++k) first[rendezvous_order(fmt::format("fault-{}", k), candidates).front().uid]++;
  const double mean = static_cast<double>(kKeys) / kPods;
  const double sd = std::sqrt(kKeys * (1.0 / kPods) * (1.0 - 1.0 / kPods));
  ASSERT_EQ(first.size(), kPods);
  for (const auto& [uid, count] : first) EXPECT_NEAR(count, mean, 3.29 * sd) << uid;
}

TEST(Rendezvous, PickCountsAsStated) {
  EXPECT_EQ(pick_count(PickMode::one, "", 7, "k"), 1u);
  EXPECT_EQ(pick_count(PickMode::all, "", 7, "k"), 7u);
  EXPECT_EQ(pick_count(PickMode::fixed, "2", 7, "k"), 2u);
  EXPECT_EQ(pick_count(PickMode::fixed, "9", 7, "k"), 7u);  // min(N, n)
  for (auto mode : {PickMode::one, PickMode::all, PickMode::fixed, PickMode::fixed_percent,
                    PickMode::random_max_percent}) {
    EXPECT_EQ(pick_count(mode, "50", 0, "k"), 0u);  // nothing to pick from
  }
}

TEST(Rendezvous, FixedPercentRoundsDownWithAtLeastOne) {
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "50", 5, "k"), 2u);   // floor(2.5)
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "33", 10, "k"), 3u);  // floor(3.3)
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "99", 10, "k"), 9u);  // floor(9.9)
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "100", 7, "k"), 7u);
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "10", 5, "k"), 1u);  // floor(0.5) = 0 → at least 1
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "1", 1, "k"), 1u);
}

TEST(Rendezvous, RefusedValuesPickNothing) {
  EXPECT_EQ(pick_count(PickMode::fixed, "0", 5, "k"), 0u);
  EXPECT_EQ(pick_count(PickMode::fixed, "two", 5, "k"), 0u);
  EXPECT_EQ(pick_count(PickMode::fixed, "-1", 5, "k"), 0u);
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "101", 5, "k"), 0u);
  EXPECT_EQ(pick_count(PickMode::fixed_percent, "0", 5, "k"), 0u);
  EXPECT_EQ(pick_count(PickMode::random_max_percent, "", 5, "k"), 0u);
  EXPECT_TRUE(pick(PickMode::fixed, "x", "k", pods(3)).empty());
}

TEST(Rendezvous, RandomMaxPercentIsDrawnFromTheKey) {
  // 50% of 10: counts in [1, 5]. The same key always draws the same count;
  // over 1000 keys every count in the range appears and none outside it.
  std::set<std::size_t> seen;
  for (int k = 0; k < 1000; ++k) {
    auto key = fmt::format("fault-{}", k);
    auto c = pick_count(PickMode::random_max_percent, "50", 10, key);
    ASSERT_GE(c, 1u);
    ASSERT_LE(c, 5u);
    EXPECT_EQ(pick_count(PickMode::random_max_percent, "50", 10, key), c);
    seen.insert(c);
  }
  EXPECT_EQ(seen, (std::set<std::size_t>{1, 2, 3, 4, 5}));
  // Pinned: 1 + sm(fnv(key.encode() + b"\0random-max-percent")) % 5, computed as above:
  // fault-0..3 → 5, 5, 3, 5.
  const std::vector<std::size_t> pinned{5, 5, 3, 5};
  for (std::size_t k = 0; k < pinned.size(); ++k) {
    EXPECT_EQ(pick_count(PickMode::random_max_percent, "50", 10, fmt::format("fault-{}", k)), pinned[k]) << k;
  }
}

TEST(Rendezvous, PickIsAPrefixOfTheOrder) {
  auto candidates = pods(8);
  auto order = uids(rendezvous_order("seed-42", candidates));
  auto picked = uids(pick(PickMode::fixed_percent, "50", "seed-42", candidates));
  ASSERT_EQ(picked.size(), 4u);
  EXPECT_TRUE(std::equal(picked.begin(), picked.end(), order.begin()));
  EXPECT_EQ(uids(pick(PickMode::all, "", "seed-42", candidates)), order);
  EXPECT_EQ(uids(pick(PickMode::one, "", "seed-42", candidates)), std::vector<std::string>{order.front()});
}
