#pragma once

// The fixture the cluster-mode tests share (cluster_test,
// cluster_target_test): root, a ClusterLab of three nodes whose seismods run
// with --cluster-faults against one fake API server, and at teardown every
// node stopped with nothing left behind. The pods and the node starts are
// each test's own (derived SetUps return early when lab_ is null: skipped or
// failed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster_fixture.h"

namespace seismo::testing {

// Every wait is a deadline on a condition, generous for a loaded 2-core machine.
inline constexpr std::chrono::seconds kConverge{30};
inline const nlohmann::json kWebSelector = {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}}}};

class ClusterLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (seismod, netns, cgroups)";
    auto lab = ClusterLab::create({3, {"--cluster-faults"}});
    ASSERT_TRUE(lab) << lab.error().message();
    lab_ = std::move(*lab);
  }
  void TearDown() override {
    if (!lab_) return;
    auto stopped = lab_->stop_all();
    EXPECT_TRUE(stopped) << stopped.error().message();
    EXPECT_EQ(lab_->leftovers(), "") << "after every node stopped";
    lab_.reset();
  }

  // The fault object as the API server has it now (null when it has none).
  [[nodiscard]] nlohmann::json fault_now(const std::string& name) const {
    auto f = lab_->get_fault("shop", name);
    return f ? *f : nlohmann::json(nullptr);
  }
  // The object and every node's log, for a failure message.
  [[nodiscard]] std::string describe(const std::string& name) const {
    return fault_now(name).dump(2) + "\n" + lab_->logs();
  }

  std::unique_ptr<ClusterLab> lab_;
};

}  // namespace seismo::testing
