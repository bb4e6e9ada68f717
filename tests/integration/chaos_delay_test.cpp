// Delay faults through EDT + fq on real veths. This host kernel (6.18, no
// sch_fq) skips every test here with the reason; the VM tier runs them on
// Debian 6.1/6.12 kernels that have fq.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <optional>

#include "chaos/fault_engine.h"
#include "chaos_support.h"
#include "doctor/doctor.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

class ChaosDelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
    if (int e = doctor::probe_qdisc("fq"); e != 0)
      GTEST_SKIP() << "this kernel has no fq qdisc (CONFIG_NET_SCH_FQ; probe: " << std::strerror(e)
                   << "): delay faults are refused here, and run in the VM tier";
    auto lab = FaultLab::create();
    ASSERT_TRUE(lab) << lab.error().message();
    lab_.emplace(std::move(*lab));
    a_ = &lab_->a();
    b_ = &lab_->b();
    ab_ = &lab_->veth();
    auto e = lab_->start_engine();
    ASSERT_TRUE(e) << e.error().message();
    engine_ = std::move(*e);
    ASSERT_TRUE(engine_->fq_available());
  }
  void TearDown() override {
    engine_.reset();
    if (lab_) {
      EXPECT_EQ(lab_->a_state(), lab_->a_before);
      EXPECT_EQ(lab_->b_state(), lab_->b_before);
    }
  }

  json delay(const std::string& name, const std::string& latency, const std::string& jitter = "0s",
             const json& extra = json::object()) {
    json doc = {{"name", name},
                {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
                {"action", "delay"},
                {"delay", {{"latency", latency}, {"jitter", jitter}}},
                {"duration", "60s"}};
    doc.update(extra);
    return doc;
  }
  Result<json> add(const json& doc) {
    auto s = parse_fault_spec(doc);
    if (!s) return fail(std::move(s).error());
    return engine_->add(*s);
  }
  FaultCounters counters(const std::string& name) {
    for (const auto& s : engine_->samples())
      if (s.name == name) return s.counters;
    return {};
  }

  std::optional<FaultLab> lab_;
  const TestNetns *a_ = nullptr, *b_ = nullptr;
  const VethPair* ab_ = nullptr;
  std::unique_ptr<FaultEngine> engine_;
};

}  // namespace

TEST_F(ChaosDelayTest, EgressDelayAddsTheLatencyToTheRoundTrip) {
  auto r = add(delay("d50", "50ms"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(lab_->a_state().find("fq 5e15:"), std::string::npos);
  auto rtt = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 10);
  ASSERT_TRUE(rtt);
  EXPECT_GE(rtt->min_ms, 50.0);
  EXPECT_LE(rtt->max_ms, 60.0);
  std::cout << fmt::format("[ info ] 50 ms delay: rtt min/avg/max {:.2f}/{:.2f}/{:.2f} ms\n", rtt->min_ms, rtt->avg_ms, rtt->max_ms);
  auto c = counters("d50");
  EXPECT_GE(c.delayed, 10u);
  EXPECT_GE(c.delay_hist[25], 10u);  // 50 ms lies in [2^25, 2^26) ns
  ASSERT_TRUE(engine_->remove("d50"));
  EXPECT_EQ(lab_->a_state(), lab_->a_before);
  auto after = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 10);
  ASSERT_TRUE(after);
  EXPECT_LT(after->max_ms, 10.0);
}

TEST_F(ChaosDelayTest, JitterStaysWithinItsBoundsAndKeepsFlowOrder) {
  ASSERT_TRUE(add(delay("jit", "50ms", "20ms")));
  auto rtt = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 20);
  ASSERT_TRUE(rtt);
  EXPECT_GE(rtt->min_ms, 30.0);
  EXPECT_LE(rtt->max_ms, 75.0);
  auto run = udp_run(*a_, *b_, ab_->b_ip(), 6100, 2000);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->received, 2000u) << "fq dropped delayed packets (flow_limit too small?)";
}

TEST_F(ChaosDelayTest, IngressDelayIsAppliedOnThePeerEgress) {
  json doc = delay("in", "40ms");
  doc["target"] = {{"netns", b_->name()}, {"interface", ab_->b_name()}};
  doc["direction"] = "ingress";
  auto r = add(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(lab_->a_state().find("fq 5e15:"), std::string::npos) << "fq belongs on the peer";
  auto rtt = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 10);
  ASSERT_TRUE(rtt);
  EXPECT_GE(rtt->min_ms, 40.0);
  ASSERT_TRUE(engine_->remove("in"));
}

TEST_F(ChaosDelayTest, LossAndDelayComposeOnOneTarget) {
  ASSERT_TRUE(add(delay("slow", "30ms")));
  auto loss = parse_fault_spec({{"name", "lossy"},
                                {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
                                {"action", "loss"},
                                {"loss", {{"percent", 50}}},
                                {"duration", "60s"}});
  ASSERT_TRUE(loss);
  ASSERT_TRUE(engine_->add(*loss));
  auto run = udp_run(*a_, *b_, ab_->b_ip(), 6101, 4000);
  ASSERT_TRUE(run);
  EXPECT_NEAR(static_cast<double>(run->received), 2000.0, 2.5758 * std::sqrt(4000 * 0.25));
  auto rtt = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 20);
  ASSERT_TRUE(rtt);
  EXPECT_GE(rtt->min_ms, 30.0);
  EXPECT_EQ(counters("slow").delayed, counters("lossy").passed);
}

TEST_F(ChaosDelayTest, OverlappingDelaysConflictDisjointOnesCompose) {
  ASSERT_TRUE(add(delay("udp-delay", "20ms", "0s", {{"filter", {{"protocol", "udp"}}}})));
  auto clash = add(delay("all-delay", "30ms"));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, EEXIST);
  EXPECT_NE(clash.error().message().find("udp-delay"), std::string::npos) << clash.error().message();
  EXPECT_TRUE(add(delay("tcp-delay", "30ms", "0s", {{"filter", {{"protocol", "tcp"}}}})));
}

TEST_F(ChaosDelayTest, AUserRootQdiscIsRestoredAfterTheDelay) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "8123:", "tbf", "rate",
                      "500mbit", "burst", "64k", "latency", "25ms"})
                .status,
            0);
  const std::string with_tbf = lab_->a_state();
  ASSERT_TRUE(add(delay("over-tbf", "10ms")));
  EXPECT_NE(lab_->a_state(), with_tbf);
  engine_->clear();
  EXPECT_EQ(lab_->a_state(), with_tbf);
  lab_->a_before = with_tbf;
}

TEST_F(ChaosDelayTest, AClassfulRootWithClassesIsNotReplaced) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "1:", "htb"}).status, 0);
  ASSERT_EQ(a_->exec({"tc", "class", "add", "dev", ab_->a_name(), "parent", "1:", "classid", "1:10", "htb", "rate",
                      "10mbit"})
                .status,
            0);
  const std::string with_htb = lab_->a_state();
  auto r = add(delay("refused", "10ms"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_EQ(lab_->a_state(), with_htb);
  lab_->a_before = with_htb;
}

TEST_F(ChaosDelayTest, AnExistingFqsHorizonIsRespected) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "fq", "horizon", "100ms"}).status, 0);
  const std::string with_fq = lab_->a_state();
  auto r = add(delay("too-far", "200ms"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("horizon"), std::string::npos) << r.error().message();
  EXPECT_TRUE(add(delay("fits", "50ms")));
  engine_->clear();
  EXPECT_EQ(lab_->a_state(), with_fq) << "someone else's fq must stay";
  lab_->a_before = with_fq;
}

TEST_F(ChaosDelayTest, TcpTransferUnderDelayCompletesIntact) {
  ASSERT_TRUE(add(delay("tcp20", "20ms")));
  auto run = tcp_run(*a_, *b_, ab_->b_ip(), 6102, 20 << 20);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_TRUE(run->intact);
  std::cout << fmt::format("[ info ] 20 MB under 20 ms delay: {:.2f} s\n", run->seconds);
}
