// tc state changed underneath seismod: its clsact or filter deleted under an
// active fault, foreign qdiscs and filters beside its own. Afterwards `fault
// ls/rm`, expiry and shutdown must work, seismod must notice what happened,
// and it must restore only what it changed (never remove what it did not add).
#include <signal.h>

#include <filesystem>

#include "hostile_support.h"

using namespace seismo::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

class HostileTc : public HostileTest {
 protected:
  CommandOutput tc(std::vector<std::string> args) {
    args.insert(args.begin(), "tc");
    return a().exec(args);
  }
  void add_fault(const std::string& name, const std::string& duration = "60s") {
    Reply r = call("fault.add", loss_fault(name, duration));
    ASSERT_TRUE(r.ok) << r.message;
    ASSERT_NE(a_state().find("seismo-fault-"), std::string::npos) << a_state();
  }
  std::optional<json> listed(const std::string& name) {
    for (const auto& f : faults())
      if (f.value("name", "") == name) return f;
    return std::nullopt;
  }
  // After its filter vanished, a fault must not go on reporting itself as
  // active as if nothing happened: seismod drops it, marks it (a "state"
  // other than active), or puts its filter back.
  bool tamper_noticed(const std::string& name) {
    auto f = listed(name);
    if (!f) return true;
    if (f->contains("state") && (*f)["state"] != "active") return true;
    // seismod reports a fault whose filter or clsact vanished as broken
    // (docs/faults.md) rather than re-installing it behind the operator.
    if (f->value("health", "ok") != "ok") return true;
    return a_state().find("seismo-fault-") != std::string::npos;
  }
  // rm after tampering: done, or "not found" when seismod already dropped it.
  void remove_after_tamper(const std::string& name) {
    Reply r = call("fault.rm", {{"name", name}});
    EXPECT_TRUE(r.ok || r.code == "not_found") << r.code << ": " << r.message;
    EXPECT_FALSE(listed(name)) << "the fault is still listed after rm";
  }
  // A foreign filter on a clsact egress hook (the test's own, not seismo's).
  bool add_foreign_filter(const std::string& prio) {
    tc({"qdisc", "add", "dev", a_dev(), "clsact"});
    for (auto kind : {std::vector<std::string>{"matchall", "action", "pass"},
                      std::vector<std::string>{"u32", "match", "u32", "0", "0", "action", "pass"}}) {
      std::vector<std::string> args = {"filter", "add", "dev", a_dev(), "egress", "prio", prio};
      args.insert(args.end(), kind.begin(), kind.end());
      if (tc(args).status == 0) return true;
    }
    return false;
  }
  void restore_device() {
    tc({"qdisc", "del", "dev", a_dev(), "clsact"});
    tc({"qdisc", "del", "dev", a_dev(), "root"});
  }
};

TEST_F(HostileTc, ClsactDeletedUnderAnActiveFault) {
  add_fault("tamper-clsact");
  ASSERT_EQ(tc({"qdisc", "del", "dev", a_dev(), "clsact"}).status, 0);
  EXPECT_TRUE(eventually([&] { return tamper_noticed("tamper-clsact"); }, 15s))
      << "the fault is still listed as active with no filter on the device";
  remove_after_tamper("tamper-clsact");
}

TEST_F(HostileTc, FilterDeletedUnderAnActiveFault) {
  add_fault("tamper-filter");
  ASSERT_EQ(tc({"filter", "del", "dev", a_dev(), "egress"}).status, 0);
  EXPECT_TRUE(eventually([&] { return tamper_noticed("tamper-filter"); }, 15s))
      << "the fault is still listed as active with no filter on the device";
  remove_after_tamper("tamper-filter");
}

TEST_F(HostileTc, ClsactDeletedThenTheSameFaultIsAddedAgain) {
  add_fault("tamper-again");
  ASSERT_EQ(tc({"qdisc", "del", "dev", a_dev(), "clsact"}).status, 0);
  remove_after_tamper("tamper-again");
  // The record of the device must be gone with it (detach's EINVAL kept it):
  // a new fault installs for real and its removal restores the device.
  add_fault("tamper-again");
  auto run = lab().udp(100, 5600);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->received, 0u) << "the re-added 100% loss fault does not drop";
  EXPECT_TRUE(call("fault.rm", {{"name", "tamper-again"}}).ok);
}

TEST_F(HostileTc, ClsactDeletedThenTheFaultExpires) {
  add_fault("tamper-expire", "2s");
  ASSERT_EQ(tc({"qdisc", "del", "dev", a_dev(), "clsact"}).status, 0);
  // Expiry runs about once a second; 15 s leaves room on a loaded machine.
  EXPECT_TRUE(eventually([&] { return !listed("tamper-expire"); }, 15s)) << "the fault never expired";
  EXPECT_TRUE(call("fault.add", loss_fault("after-expire")).ok) << "engine unusable after the expiry";
  EXPECT_TRUE(call("fault.rm", {{"name", "after-expire"}}).ok);
}

TEST_F(HostileTc, FilterDeletedThenFaultClear) {
  add_fault("tamper-clear-1");
  Reply second = call("fault.add", loss_fault("tamper-clear-2"));
  ASSERT_TRUE(second.ok) << second.message;
  ASSERT_EQ(tc({"filter", "del", "dev", a_dev(), "egress"}).status, 0);
  Reply r = call("fault.clear");
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(HostileTc, ForeignClsactIsKept) {
  ASSERT_EQ(tc({"qdisc", "add", "dev", a_dev(), "clsact"}).status, 0);
  rebaseline();
  add_fault("beside-clsact");
  EXPECT_TRUE(call("fault.rm", {{"name", "beside-clsact"}}).ok);
  EXPECT_EQ(a_state(), a_before()) << "seismo removed a clsact it did not create";
  restore_device();
  rebaseline();
}

TEST_F(HostileTc, ForeignFilterBeforeTheFaultIsKept) {
  if (!add_foreign_filter("7")) {
    restore_device();
    GTEST_SKIP() << "neither matchall nor u32 classifiers in this kernel";
  }
  rebaseline();
  add_fault("beside-filter");
  EXPECT_TRUE(call("fault.rm", {{"name", "beside-filter"}}).ok);
  EXPECT_EQ(a_state(), a_before()) << "the foreign filter or its clsact was touched";
  restore_device();
  rebaseline();
}

TEST_F(HostileTc, ForeignFilterAddedUnderTheFaultIsKept) {
  add_fault("under-foreign");
  tc({"filter", "add", "dev", a_dev(), "egress", "prio", "9", "matchall", "action", "pass"});
  std::string with_foreign = a_state();
  if (with_foreign.find("matchall") == std::string::npos) {
    EXPECT_TRUE(call("fault.rm", {{"name", "under-foreign"}}).ok);
    restore_device();
    GTEST_SKIP() << "no matchall classifier in this kernel";
  }
  EXPECT_TRUE(call("fault.rm", {{"name", "under-foreign"}}).ok);
  std::string after = a_state();
  EXPECT_NE(after.find("matchall"), std::string::npos) << "seismo removed a filter it did not add:\n" << after;
  EXPECT_EQ(after.find("seismo-fault-"), std::string::npos) << after;
  restore_device();
}

TEST_F(HostileTc, ForeignRootQdiscIsKept) {
  bool added = false;
  for (auto kind : {"prio", "pfifo", "pfifo_fast", "sfq"})
    if (tc({"qdisc", "add", "dev", a_dev(), "root", "handle", "1:", kind}).status == 0) {
      added = true;
      break;
    }
  if (!added) GTEST_SKIP() << "no classless or prio root qdisc available";
  rebaseline();
  add_fault("beside-root");
  EXPECT_TRUE(call("fault.rm", {{"name", "beside-root"}}).ok);
  EXPECT_EQ(a_state(), a_before()) << "the operator's root qdisc was touched";
  restore_device();
  rebaseline();
}

TEST_F(HostileTc, OperatorRootQdiscInstalledUnderADelayFaultSurvivesRemoval) {
  Reply st = call("status");
  if (!st.ok || !st.result["faults"].value("fq_available", false))
    GTEST_SKIP() << "no fq qdisc in this kernel: delay faults (and release_fq) cannot run here";
  json spec = loss_fault("delay-under-operator");
  spec.erase("loss");
  spec["action"] = "delay";
  spec["delay"] = {{"latency", "5ms"}};
  ASSERT_TRUE(call("fault.add", spec).ok);
  ASSERT_EQ(tc({"qdisc", "replace", "dev", a_dev(), "root", "handle", "1:", "pfifo"}).status, 0);
  std::string operators = a().exec({"tc", "qdisc", "show", "dev", a_dev(), "root"}).output;
  EXPECT_TRUE(call("fault.rm", {{"name", "delay-under-operator"}}).ok);
  EXPECT_EQ(a().exec({"tc", "qdisc", "show", "dev", a_dev(), "root"}).output, operators)
      << "release_fq restored a stale root qdisc over the operator's newer one";
  restore_device();
}

TEST_F(HostileTc, ShutdownAfterTamperingExitsCleanly) {
  add_fault("tamper-shutdown-1");
  Reply second = call("fault.add", loss_fault("tamper-shutdown-2"));
  ASSERT_TRUE(second.ok);
  ASSERT_EQ(tc({"filter", "del", "dev", a_dev(), "egress"}).status, 0);
  auto rc = world().daemon().stop();
  EXPECT_TRUE(rc && *rc == 0) << "exit after SIGTERM: " << (rc ? std::to_string(*rc) : rc.error().message()) << "\n"
                              << world().daemon().log();
  EXPECT_TRUE(lab().fs().pins().empty()) << "pins left";
  EXPECT_FALSE(std::filesystem::exists(lab().fs().state_file())) << "state file left";
  world().forget_daemon();
  ASSERT_TRUE(world().start(world().extra_args));
}

}  // namespace
