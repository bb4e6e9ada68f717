#include "chaos_lab_fixture.h"

#include <unistd.h>

#include <fmt/format.h>

namespace seismo::testing {

void FaultLabTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
  auto lab = FaultLab::create();
  ASSERT_TRUE(lab) << lab.error().message();
  lab_.emplace(std::move(*lab));
  a_ = &lab_->a();
  b_ = &lab_->b();
  ab_ = &lab_->veth();
  fs_ = &lab_->fs();
}

void FaultLabTest::TearDown() {
  engine_.reset();
  if (!lab_ || !expect_restored_) return;
  EXPECT_EQ(lab_->a_state(), lab_->a_before) << "tc state of the sender's device not restored";
  EXPECT_EQ(lab_->b_state(), lab_->b_before) << "tc state of the receiver's device not restored";
  EXPECT_TRUE(fs_->pins().empty()) << "pins left behind: " << fmt::format("{}", fmt::join(fs_->pins(), " "));
}

void FaultLabTest::start_engine(chaos::InstallGate gate) {
  auto e = lab_->start_engine(std::move(gate));
  ASSERT_TRUE(e) << e.error().message();
  engine_ = std::move(*e);
}

chaos::FaultSpec FaultLabTest::spec(const nlohmann::json& doc) {
  auto s = chaos::parse_fault_spec(doc);
  EXPECT_TRUE(s) << s.error().message();
  return s ? *s : chaos::FaultSpec{};
}

nlohmann::json FaultLabTest::loss(const std::string& name, double percent, const nlohmann::json& extra) const {
  nlohmann::json doc = {{"name", name},
                        {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
                        {"action", "loss"},
                        {"loss", {{"percent", percent}}},
                        {"duration", "60s"}};
  doc.update(extra);
  return doc;
}

chaos::FaultCounters FaultLabTest::counters(const std::string& name) {
  for (const auto& s : engine_->samples())
    if (s.name == name) return s.counters;
  ADD_FAILURE() << "no fault " << name;
  return {};
}

}  // namespace seismo::testing
