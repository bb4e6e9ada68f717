// Delay faults through EDT + fq on real veths. This host kernel (6.18, no
// sch_fq) skips every test here with the reason; the VM tier runs them on
// Debian 6.1/6.12 kernels that have fq.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "chaos/fault_engine.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "doctor/doctor.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

class ChaosDelayTest : public FaultLabTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
    if (int e = doctor::probe_qdisc("fq"); e != 0)
      GTEST_SKIP() << "this kernel has no fq qdisc (CONFIG_NET_SCH_FQ; probe: " << std::strerror(e)
                   << "): delay faults are refused here, and run in the VM tier";
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
    ASSERT_TRUE(engine_ && engine_->fq_available());
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
  // Round trips a → b's echo with what is installed now. A failed probe run
  // fails the test (nullopt), never reads as a fast path.
  std::optional<Rtt> rtt(size_t n, uint16_t port = 7000) {
    auto r = udp_rtt(*a_, *b_, ab_->b_ip(), port, n);
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    EXPECT_TRUE(!r || r->answered == n) << "only " << r->answered << "/" << n << " probes answered";
    if (!r || r->answered != n) return std::nullopt;
    return std::move(*r);
  }
  static Rtt merge(const Rtt& x, const Rtt& y) {
    Rtt m = x;
    m.samples_ms.insert(m.samples_ms.end(), y.samples_ms.begin(), y.samples_ms.end());
    m.answered = m.samples_ms.size();
    m.min_ms = std::min(x.min_ms, y.min_ms);
    m.max_ms = std::max(x.max_ms, y.max_ms);
    m.avg_ms = (x.avg_ms * static_cast<double>(x.answered) + y.avg_ms * static_cast<double>(y.answered)) /
               static_cast<double>(m.answered);
    return m;
  }
  // Our delay and, where this kernel has netem, netem's for the same request
  // on the same device, measured in alternating rounds (ours, netem, ours, …)
  // so that a burst of host load — the VM tier's guests share two cores with
  // builds — lands on both alike. Each round installs and removes the fault.
  struct Compared {
    Rtt ours;
    std::optional<Rtt> netem;
  };
  std::optional<Compared> compare_with_netem(const std::string& latency, const std::string& jitter, size_t rounds,
                                             size_t per_round) {
    const bool have_netem = doctor::probe_qdisc("netem") == 0;
    std::optional<Rtt> ours, netem;
    for (size_t i = 0; i < rounds; ++i) {
      auto r = add(delay("cmp", latency, jitter));
      EXPECT_TRUE(r) << (r ? "" : r.error().message());
      if (!r) return std::nullopt;
      // Unmeasured warm-up probes after each install: loading and attaching
      // the program leaves the guest's CPUs busy for a moment (JIT, RCU),
      // which would otherwise count against our side only.
      rtt(3);
      auto o = rtt(per_round);
      EXPECT_TRUE(engine_->remove("cmp"));
      if (!o) return std::nullopt;
      ours = ours ? merge(*ours, *o) : *o;
      if (!have_netem) continue;
      std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "netem", "delay",
                                      latency};
      if (jitter != "0s") cmd.push_back(jitter);
      auto installed = a_->exec(cmd);
      EXPECT_EQ(installed.status, 0) << installed.output;
      if (installed.status != 0) return std::nullopt;
      rtt(3);
      auto n = rtt(per_round);
      EXPECT_EQ(a_->exec({"tc", "qdisc", "del", "dev", ab_->a_name(), "root"}).status, 0);
      if (!n) return std::nullopt;
      netem = netem ? merge(*netem, *n) : *n;
    }
    return Compared{*ours, netem};
  }
  static void print(const std::string& what, const Rtt& r) {
    std::cout << fmt::format("[ info ] {:<22} rtt p50 {:7.2f}  p90 {:7.2f}  min {:7.2f}  max {:7.2f}  sd {:6.2f} ms (n={})\n",
                             what, r.percentile(50), r.percentile(90), r.min_ms, r.max_ms, r.stddev(), r.answered);
  }
  // Checks round trips under a fixed one-way delay of `ms`. Every bound but
  // the floor is relative to what this run measured: netem's round trips for
  // the same request on the same device (the bar issue 5 sets: meet or beat
  // netem on the same kernel), or, without netem, the no-fault path plus the
  // delay. TCG guests run 7-16x slower than the host with timer latency to
  // match, so an absolute ceiling tuned on a fast host fails there for
  // reasons that are not ours, and a loose absolute one would not catch a
  // wrong delay (Chaos Mesh's doubled and 4x delays, #2202, #4670).
  //  - floor: no round trip is shorter than the delay (EDT releases a packet
  //    at its stamp, never before): fails if any packet was not delayed;
  //  - precision: the minimum, the sample least disturbed by load, is within
  //    max(1.5 ms, 5%) of the reference minimum;
  //  - centre and tail: median within max(2 ms, 10%) and p90 within
  //    max(5 ms, 20%) of the reference's.
  void expect_delay(const Rtt& base, const Rtt& with, const std::optional<Rtt>& netem, double ms) {
    EXPECT_GE(with.min_ms, ms) << "a round trip beat the delay: it was not applied to every packet";
    const double min_ref = netem ? netem->min_ms : base.min_ms + ms;
    const double p50_ref = netem ? netem->percentile(50) : base.percentile(50) + ms;
    const double p90_ref = netem ? netem->percentile(90) : base.percentile(90) + ms;
    const char* ref = netem ? "netem's" : "no-fault + delay";
    EXPECT_LE(with.min_ms, min_ref + std::max(1.5, 0.05 * ms)) << "minimum vs " << ref << " " << min_ref;
    EXPECT_LE(with.percentile(50), p50_ref + std::max(2.0, 0.10 * ms)) << "median vs " << ref << " " << p50_ref;
    EXPECT_LE(with.percentile(90), p90_ref + std::max(5.0, 0.20 * ms)) << "p90 vs " << ref << " " << p90_ref;
  }
};

}  // namespace

TEST_F(ChaosDelayTest, EgressDelayAddsTheLatencyToTheRoundTrip) {
  auto base = rtt(20);
  ASSERT_TRUE(base);
  print("no fault", *base);
  auto r = add(delay("d50", "50ms"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(lab_->a_state().find("fq 5e15:"), std::string::npos);
  auto with = rtt(10);
  ASSERT_TRUE(with);
  auto c = counters("d50");
  EXPECT_GE(c.delayed, 10u);
  EXPECT_GE(c.delay_hist[25], 10u);  // 50 ms lies in [2^25, 2^26) ns
  ASSERT_TRUE(engine_->remove("d50"));
  EXPECT_EQ(lab_->a_state(), lab_->a_before);
  auto after = rtt(10);
  ASSERT_TRUE(after);
  print("after removal", *after);
  // Gone: closer to the no-fault path than to the delayed one.
  EXPECT_LT(after->percentile(50), base->percentile(50) + 25.0);
  // Fidelity, side by side with netem (4 alternating rounds of 5 probes).
  auto cmp = compare_with_netem("50ms", "0s", 4, 5);
  ASSERT_TRUE(cmp);
  print("seismo delay 50ms", cmp->ours);
  if (cmp->netem) print("netem delay 50ms", *cmp->netem);
  expect_delay(*base, merge(*with, cmp->ours), cmp->netem, 50.0);
}

TEST_F(ChaosDelayTest, ShortDelayIsAsPreciseAsNetem) {
  auto base = rtt(20);
  ASSERT_TRUE(base);
  print("no fault", *base);
  auto cmp = compare_with_netem("10ms", "0s", 4, 5);
  ASSERT_TRUE(cmp);
  print("seismo delay 10ms", cmp->ours);
  if (cmp->netem) print("netem delay 10ms", *cmp->netem);
  // At 10 ms the guest's own round-trip spread (no-fault p90 - p50: 0.3-9 ms
  // in the VM tier's runs) is as large as expect_delay's 2 ms median margin:
  // a 20-sample median there measured the guest, and failed either side.
  // Kept strict: the floor and the minimum vs netem (precision); the median
  // may be off by less than half the request (a doubled delay still fails).
  const Rtt& ours = cmp->ours;
  EXPECT_GE(ours.min_ms, 10.0) << "a round trip beat the delay: it was not applied to every packet";
  const double min_ref = cmp->netem ? cmp->netem->min_ms : base->min_ms + 10.0;
  const double p50_ref = cmp->netem ? cmp->netem->percentile(50) : base->percentile(50) + 10.0;
  EXPECT_LE(ours.min_ms, min_ref + 1.5) << "minimum vs reference " << min_ref;
  EXPECT_LE(ours.percentile(50), p50_ref + 5.0) << "median vs reference " << p50_ref;
}

// Uniform jitter over [latency - jitter, latency + jitter]: the floor, a
// ceiling relative to the no-fault path, and a spread only jitter explains.
// The spread is the interquartile range, not the sd: a TCG guest on a loaded
// host throws occasional 10-40 ms outliers that swamp an sd but move the
// quartiles little. Uniform ±20 ms has an IQR of 20 ms; 40 draws estimate it
// within about ±10 ms at 3 sigma; with no jitter it would be the path's own
// IQR, a few ms.
TEST_F(ChaosDelayTest, JitterStaysWithinItsBoundsAndKeepsFlowOrder) {
  auto base = rtt(40);
  ASSERT_TRUE(base);
  print("no fault", *base);
  ASSERT_TRUE(add(delay("jit", "50ms", "20ms")));
  rtt(3);  // warm-up, unmeasured
  auto with = rtt(40);
  ASSERT_TRUE(with);
  print("seismo delay 50±20ms", *with);
  const double iqr = with->percentile(75) - with->percentile(25);
  const double base_iqr = base->percentile(75) - base->percentile(25);
  std::cout << fmt::format("[ info ] IQR {:.2f} ms (uniform ±20 ms: 20), no-fault IQR {:.2f} ms\n", iqr, base_iqr);
  EXPECT_GE(with->min_ms, 30.0);
  EXPECT_LE(with->percentile(90), 70.0 + base->percentile(90) + 5.0);
  EXPECT_GE(iqr, 10.0) << "too little spread: jitter not applied?";
  EXPECT_LE(iqr, 30.0 + base_iqr) << "spread wider than ±20 ms explains";
  auto run = udp_run(*a_, *b_, ab_->b_ip(), 6100, 2000);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->received, 2000u) << "fq dropped delayed packets (flow_limit too small?)";
  // Flow order kept: with independent ±20 ms draws for datagrams sent
  // microseconds apart, about half would arrive out of order. What remains
  // is the kernel's: fq's watchdog and the sender release packets on
  // different CPUs, and veth queues each to its CPU's backlog. Measured in
  // the guests: a few per thousand, once 1.5 % (30 of 2,000, 6.1 in CI). A
  // 5 % bound keeps a tenfold margin below the broken case.
  EXPECT_LE(run->reordered, run->received / 20) << "jitter reordered the flow";
}

TEST_F(ChaosDelayTest, IngressDelayIsAppliedOnThePeerEgress) {
  json doc = delay("in", "40ms");
  doc["target"] = {{"netns", b_->name()}, {"interface", ab_->b_name()}};
  doc["direction"] = "ingress";
  auto r = add(doc);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(lab_->a_state().find("fq 5e15:"), std::string::npos) << "fq belongs on the peer";
  auto with = rtt(10);
  ASSERT_TRUE(with);
  print("seismo ingress 40ms", *with);
  EXPECT_GE(with->min_ms, 40.0);
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
  EXPECT_NEAR(static_cast<double>(run->received), 2000.0, 3.2905 * std::sqrt(4000 * 0.25));  // 99.9%, as chaos_engine_test says why
  // Probes are lost too (50%): every answered one waited the delay.
  auto with = udp_rtt(*a_, *b_, ab_->b_ip(), 7000, 20);
  ASSERT_TRUE(with) << with.error().message();
  EXPECT_GE(with->min_ms, 30.0);
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
  lab_->a_before = with_tbf;
  auto r = add(delay("over-tbf", "10ms"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(lab_->a_state(), with_tbf);
  engine_->clear();
  EXPECT_EQ(lab_->a_state(), with_tbf);
}

TEST_F(ChaosDelayTest, AClassfulRootWithClassesIsNotReplaced) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "1:", "htb"}).status, 0);
  ASSERT_EQ(a_->exec({"tc", "class", "add", "dev", ab_->a_name(), "parent", "1:", "classid", "1:10", "htb", "rate",
                      "10mbit"})
                .status,
            0);
  const std::string with_htb = lab_->a_state();
  lab_->a_before = with_htb;
  auto r = add(delay("refused", "10ms"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY) << r.error().message();
  EXPECT_EQ(lab_->a_state(), with_htb) << "a refused fault left tc state behind";
  EXPECT_TRUE(engine_->samples().empty());
}

TEST_F(ChaosDelayTest, AnExistingFqsHorizonIsRespected) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "fq", "horizon", "100ms"}).status, 0);
  const std::string with_fq = lab_->a_state();
  lab_->a_before = with_fq;
  auto r = add(delay("too-far", "200ms"));
  ASSERT_FALSE(r);
  EXPECT_EQ(lab_->a_state(), with_fq) << "a refused fault left tc state behind";
  EXPECT_NE(r.error().message().find("horizon"), std::string::npos) << r.error().message();
  EXPECT_TRUE(add(delay("fits", "50ms")));
  engine_->clear();
  EXPECT_EQ(lab_->a_state(), with_fq) << "someone else's fq must stay";
}

TEST_F(ChaosDelayTest, TcpTransferUnderDelayCompletesIntact) {
  ASSERT_TRUE(add(delay("tcp20", "20ms")));
  // 8 MB: 20 MB took ~60 s in a TCG guest (the fault's 60 s duration); the
  // 20 MB transfer of the issue is the loss test's (chaos_engine_test).
  auto run = tcp_run(*a_, *b_, ab_->b_ip(), 6102, 8 << 20);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_TRUE(run->intact);
  EXPECT_FALSE(run->send_error);
  EXPECT_GE(counters("tcp20").delayed, (8u << 20) / 65536) << "the transfer did not go through the delay";
  std::cout << fmt::format("[ info ] 8 MB under 20 ms delay: {:.2f} s, {} retransmits\n", run->seconds,
                           run->retransmits);
}
