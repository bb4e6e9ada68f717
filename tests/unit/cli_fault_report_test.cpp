// seismo fault add's guard flags and what fault ls / --watch print about a
// fault's guard and verification, from seismod's JSON.
#include <gtest/gtest.h>

#include "fault_report.h"

using namespace seismo::cli;
using nlohmann::json;

namespace {

TEST(CliFaultReport, GuardFlagsBecomeTheSpecsGuard) {
  auto g = guard_from_flags({"tcp-retransmits=50", "dropped=1000", "tcpResetsSent=3"}, "10s");
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(*g, json({{"tcpRetransmits", "50"}, {"dropped", "1000"}, {"tcpResetsSent", "3"}, {"window", "10s"}}));
  auto none = guard_from_flags({}, "");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->is_null());
  // A window alone goes to seismod, which refuses it naming guard (no budget).
  auto window_only = guard_from_flags({}, "5s");
  ASSERT_TRUE(window_only);
  EXPECT_EQ(*window_only, json({{"window", "5s"}}));
}

TEST(CliFaultReport, MalformedGuardFlagsNameTheFlag) {
  for (const char* bad : {"tcp-retransmits", "=5", "tcp-resets=", ""}) {
    auto g = guard_from_flags({bad}, "");
    ASSERT_FALSE(g) << bad;
    EXPECT_EQ(g.error().message().rfind("--guard:", 0), 0u) << g.error().message();
  }
  auto twice = guard_from_flags({"tcp-resets=5", "tcpResets=6"}, "");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message().find("twice"), std::string::npos);
  auto hostile = guard_from_flags({std::string(10000, 'x')}, "");
  ASSERT_FALSE(hostile);
  EXPECT_LT(hostile.error().message().size(), 200u);
}

json aborted_fault() {
  return {{"name", "web-loss"},
          {"counters", {{"passed", 900}, {"dropped", 100}, {"delayed", 0}}},
          {"expires_in_seconds", 42.0},
          {"guard",
           {{"state", "aborted"},
            {"window", nullptr},
            {"budgets", {{"tcp_resets", {{"max", 50}, {"count", 51}}}}},
            {"aborted",
             {{"budget", "tcp_resets"}, {"count", 51}, {"max", 50}, {"after_seconds", 3.2},
              {"reason", "tcp_resets 51 > 50 after 3.2 s"}}}}},
          {"verification",
           {{"measure", "loss_percent"}, {"requested", 10.0}, {"packets", 1000}, {"observed", 10.0},
            {"interval_99", {7.7, 12.9}}, {"within_interval", true}}}};
}

TEST(CliFaultReport, AbortedGuardLineIsTheIssuesSentence) {
  EXPECT_EQ(guard_line(aborted_fault()), "aborted: tcp_resets 51 > 50 after 3.2 s");
}

TEST(CliFaultReport, ArmedGuardLineShowsCountsAgainstBudgets) {
  json f = aborted_fault();
  f["guard"]["aborted"] = nullptr;
  f["guard"]["state"] = "armed";
  f["guard"]["window"] = "10s";
  f["guard"]["budgets"] = {{"tcp_retransmits", {{"max", 40}, {"count", 12}}}, {"tcp_resets", {{"max", 50}, {"count", 3}}}};
  EXPECT_EQ(guard_line(f), "guard: tcp_resets 3/50, tcp_retransmits 12/40 per 10s");
  EXPECT_EQ(guard_line(json{{"name", "x"}}), "");
}

TEST(CliFaultReport, VerificationLines) {
  EXPECT_EQ(verification_line(aborted_fault()), "loss 10.0% (99%: 7.7-12.9%), asked 10%");
  json off = aborted_fault();
  off["verification"]["within_interval"] = false;
  EXPECT_NE(verification_line(off).find("NOT as asked"), std::string::npos);
  json delay = {{"verification",
                 {{"measure", "delay_seconds"}, {"requested", 0.05}, {"packets", 10}, {"p50", 0.052}, {"p99", 0.13}}}};
  EXPECT_EQ(verification_line(delay), "delay p50 52ms p99 130ms, asked 50ms");
  json fresh = {{"verification", {{"measure", "delay_seconds"}, {"requested", 0.05}, {"packets", 0}, {"p50", nullptr}}}};
  EXPECT_EQ(verification_line(fresh), "delay: no packets yet, asked 50ms");
  EXPECT_EQ(verification_line(json::object()), "");
}

TEST(CliFaultReport, WatchLineHasCountersGuardAndTheEnd) {
  EXPECT_EQ(watch_line(aborted_fault()),
            "web-loss: passed 900 dropped 100 delayed 0 | aborted: tcp_resets 51 > 50 after 3.2 s | "
            "loss 10.0% (99%: 7.7-12.9%), asked 10% | ends in 42s");
}

}  // namespace
