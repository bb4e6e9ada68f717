// What giving a device back its root qdisc does, from what seismo recorded
// and what is there now (HookedDevice::release_fq acts on this).
#include <gtest/gtest.h>

#include "chaos/hooked_device.h"

using namespace seismo;
using namespace seismo::chaos;

namespace {
net::Qdisc ours() { return {"fq", kFqHandle, 0xffffffff, {}}; }
net::Qdisc tbf() { return {"tbf", 0x80010000, 0xffffffff, {1, 2, 3}}; }
net::Qdisc noqueue() { return {"noqueue", 0, 0xffffffff, {}}; }
}  // namespace

TEST(FqRelease, OurFqGoesBackToWhatItReplaced) {
  EXPECT_EQ(plan_fq_release(true, tbf(), ours()), FqRelease::restore_previous);
  EXPECT_EQ(plan_fq_release(true, noqueue(), ours()), FqRelease::delete_root);
  EXPECT_EQ(plan_fq_release(true, std::nullopt, ours()), FqRelease::delete_root);
}

// Before: the recorded tbf was put back over whatever an operator had
// installed since (here a newer tbf, or someone's own fq).
TEST(FqRelease, AnOperatorsNewerRootIsLeftAlone) {
  net::Qdisc operators_tbf = tbf();
  operators_tbf.handle = 0x90000000;
  EXPECT_EQ(plan_fq_release(true, tbf(), operators_tbf), FqRelease::leave_theirs);
  net::Qdisc their_fq = ours();
  their_fq.handle = 0x10000;
  EXPECT_EQ(plan_fq_release(true, tbf(), their_fq), FqRelease::leave_theirs);
  EXPECT_EQ(plan_fq_release(true, tbf(), noqueue()), FqRelease::leave_theirs);  // someone deleted ours
  EXPECT_EQ(plan_fq_release(true, tbf(), std::nullopt), FqRelease::leave_theirs);
}

TEST(FqRelease, NothingWhenSeismoInstalledNoFq) {
  EXPECT_EQ(plan_fq_release(false, tbf(), ours()), FqRelease::nothing);
}
