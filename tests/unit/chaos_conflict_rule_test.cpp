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
