#include <gtest/gtest.h>

#include "chaos/conflict_rule.h"

using namespace seismo::chaos;

namespace {
FaultSpec make(Action action, uint8_t protocol = 0) {
  FaultSpec s;
  s.action = action;
  s.filter.protocol = protocol;
  return s;
}
}  // namespace

TEST(ConflictRule, TwoDelaysOnOverlappingTrafficConflict) {
  FaultSpec first = make(Action::delay);
  auto other = conflicting_fault(make(Action::delay), {{"first", &first}});
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, "first");
}

TEST(ConflictRule, DelaysOnDisjointTrafficCompose) {
  FaultSpec udp = make(Action::delay, 17);
  EXPECT_FALSE(conflicting_fault(make(Action::delay, 6), {{"udp", &udp}}));
}

TEST(ConflictRule, LossNeverConflicts) {
  FaultSpec delay = make(Action::delay);
  FaultSpec loss = make(Action::loss);
  EXPECT_FALSE(conflicting_fault(make(Action::loss), {{"d", &delay}, {"l", &loss}}));
  EXPECT_FALSE(conflicting_fault(make(Action::delay), {{"l", &loss}}));
}

// Every pair of kinds, against the table in docs/faults.md (Composition):
// only two delays (reorder included) and two bandwidths are refused on
// overlapping traffic (two duplicates compose: a copy is never copied
// again); the rule is symmetric.
TEST(ConflictRule, EveryPairOfKinds) {
  auto refused = [](Action a, Action b) {
    return a == b && (a == Action::delay || a == Action::bandwidth);
  };
  int pairs = 0;
  for (Action a : kAllActions)
    for (Action b : kAllActions) {
      SCOPED_TRACE(std::string(action_name(a)) + " + " + action_name(b));
      FaultSpec placed = make(b);
      auto other = conflicting_fault(make(a), {{"placed", &placed}});
      EXPECT_EQ(other.has_value(), refused(a, b));
      EXPECT_EQ(kinds_compose(a, b), !refused(a, b));
      EXPECT_EQ(kinds_compose(a, b), kinds_compose(b, a));
      EXPECT_EQ(conflict_reason(a, b) == nullptr, !refused(a, b));
      // Disjoint filters never meet, whatever the kinds.
      FaultSpec udp = make(b, 17);
      EXPECT_FALSE(conflicting_fault(make(a, 6), {{"udp", &udp}}));
      ++pairs;
    }
  EXPECT_EQ(pairs, 36);
}

TEST(ConflictRule, TwoReordersAreTwoDelays) {
  FaultSpec first = make(Action::delay);
  first.delay.reorder.percent = 25;
  FaultSpec second = make(Action::delay);
  second.delay.reorder.percent = 10;
  auto other = conflicting_fault(second, {{"first", &first}});
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, "first");
  EXPECT_NE(std::string(conflict_reason(Action::delay, Action::delay)).find("delay"), std::string::npos);
}

TEST(ConflictRule, NamesTheFirstConflictingFault) {
  FaultSpec loss = make(Action::loss), part = make(Action::partition), bw = make(Action::bandwidth);
  auto other = conflicting_fault(make(Action::bandwidth), {{"l", &loss}, {"p", &part}, {"bw", &bw}});
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, "bw");
}
