#pragma once

// The fixture the engine, lifecycle, reconcile, tamper and netlink tests
// share (kept apart from chaos_support, which the benchmarks build without
// GoogleTest): root, a FaultLab, and at teardown the engine stopped and both
// veth ends, the pins and the state file as they were.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chaos/fault_engine.h"
#include "chaos_support.h"
#include "netns_fixture.h"

namespace seismo::testing {

class FaultLabTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Whether SetUp skipped or failed (derived SetUps return early then).
  [[nodiscard]] bool lab_ready() const { return lab_.has_value() && !HasFatalFailure(); }

  void start_engine(chaos::InstallGate gate = {});
  // A parsed spec (the test fails when it does not parse).
  chaos::FaultSpec spec(const nlohmann::json& doc);
  // A 60 s loss fault on a's veth end.
  [[nodiscard]] nlohmann::json loss(const std::string& name, double percent,
                                    const nlohmann::json& extra = nlohmann::json::object()) const;
  // A fault's counters from samples() (the test fails when it is missing).
  chaos::FaultCounters counters(const std::string& name);

  // Whether TearDown checks the devices and pins are as before (tests that
  // change the devices themselves, with netlink, turn it off: their
  // namespaces go with the lab).
  bool expect_restored_ = true;
  std::optional<FaultLab> lab_;
  const TestNetns* a_ = nullptr;
  const TestNetns* b_ = nullptr;
  const VethPair* ab_ = nullptr;
  const TempBpffs* fs_ = nullptr;
  std::unique_ptr<chaos::FaultEngine> engine_;
};

}  // namespace seismo::testing
