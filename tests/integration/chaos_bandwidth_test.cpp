// Bandwidth faults on real veths, side by side with tbf on the same device
// in the same run. On this host (no sch_fq) a fault polices; in the VM tier
// (fq) it shapes. Each test prints its numbers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "bandwidth_run.h"
#include "chaos/fault_engine.h"
#include "chaos/spec_bandwidth.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "doctor/doctor.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

class ChaosBandwidthTest : public FaultLabTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
    if (run_command({"iperf3", "--version"}).status != 0) GTEST_SKIP() << "iperf3 is not installed";
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
  }

  json bandwidth(const std::string& name, const json& params) const {
    return {{"name", name},
            {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
            {"direction", "egress"},
            {"action", "bandwidth"},
            {"bandwidth", params},
            {"duration", "60s"}};
  }
  Result<json> add(const json& doc) {
    auto s = parse_fault_spec(doc);
    if (!s) return fail(std::move(s).error());
    return engine_->add(*s);
  }
  Result<LoadRun> load(const LoadOptions& o) { return load_run(*a_, *b_, ab_->b_ip(), o); }

  struct Row {
    double tbf_bps = 0, ours_bps = 0;
    double tbf_p50 = 0, tbf_p99 = 0, ours_p50 = 0, ours_p99 = 0, idle_p50 = 0;
    uint64_t tbf_retrans = 0, ours_retrans = 0;
    FaultCounters counters;
    std::string mode;
  };

  // One rate: tbf first, then the fault, with the same rate, buffer and limit.
  Row compare(uint64_t rate_bps, const LoadOptions& o, const std::string& mode = "", uint64_t buffer_bytes = 0) {
    Row row;
    auto idle = ping_idle(*a_, ab_->b_ip(), 20);
    EXPECT_TRUE(idle) << idle.error().message();
    if (idle) row.idle_p50 = LoadRun{0, 0, *idle}.rtt_percentile(50);
    const uint64_t buffer = buffer_bytes ? buffer_bytes : default_buffer_bytes(rate_bps);
    const uint64_t limit = default_limit_bytes(rate_bps);
    {
      auto tbf = TbfQdisc::add(*a_, ab_->a_name(), rate_bps, buffer, limit);
      EXPECT_TRUE(tbf) << tbf.error().message();
      if (!tbf) return row;
      auto r = load(o);
      EXPECT_TRUE(r) << r.error().message();
      if (!r) return row;
      row.tbf_bps = r->goodput_bps;
      row.tbf_p50 = r->rtt_percentile(50);
      row.tbf_p99 = r->rtt_percentile(99);
      row.tbf_retrans = r->retransmits;
    }
    json params = {{"rate", format_rate(rate_bps)}, {"buffer", buffer}};
    if (!mode.empty()) params["mode"] = mode;
    json doc = bandwidth("bw", params);
    // UDP: iperf3's TCP control connection is left out of the policer (its
    // losses would stall the test's end, not measure the bucket).
    if (o.udp_bps) doc["filter"] = {{"protocol", "udp"}};
    auto added = add(doc);
    EXPECT_TRUE(added) << added.error().message();
    if (!added) return row;
    row.mode = engine_->list()["faults"][0].value("bandwidth", "");
    auto r = load(o);
    EXPECT_TRUE(r) << r.error().message();
    if (r) {
      row.ours_bps = r->goodput_bps;
      row.ours_p50 = r->rtt_percentile(50);
      row.ours_p99 = r->rtt_percentile(99);
      row.ours_retrans = r->retransmits;
    }
    row.counters = counters("bw");
    EXPECT_TRUE(engine_->remove("bw"));
    std::printf("bandwidth %s %s (%s): tbf %.2f Mbit/s (%llu retrans, ping p50 %.2f p99 %.2f ms) | seismo %.2f "
                "Mbit/s (%llu retrans, ping p50 %.2f p99 %.2f ms; passed %llu dropped %llu delayed %llu) | idle "
                "ping p50 %.3f ms\n",
                format_rate(rate_bps).c_str(), o.udp_bps ? "UDP" : "TCP", row.mode.c_str(), row.tbf_bps / 1e6,
                static_cast<unsigned long long>(row.tbf_retrans), row.tbf_p50, row.tbf_p99, row.ours_bps / 1e6,
                static_cast<unsigned long long>(row.ours_retrans), row.ours_p50, row.ours_p99,
                static_cast<unsigned long long>(row.counters.passed),
                static_cast<unsigned long long>(row.counters.dropped),
                static_cast<unsigned long long>(row.counters.delayed), row.idle_p50);
    std::fflush(stdout);
    return row;
  }
};

// Policing (host: no fq). Model: a policer passes at most buffer + rate * T
// (+ one packet of debt) bytes in T seconds, so goodput over the measured
// T = 4 s (iperf3 -O 1 leaves the first second and its full bucket out) is
// at most rate + 8 * buffer / T: 10mbit + 131 kbit/s (+1.3 %), 100mbit +
// 0.25 % (buffer 125 kB); +5 % covers iperf3's interval edges. Below: on a
// veth the RTT is ~50 us, so TCP sends its whole window in a burst far
// faster than the bucket refills; the policer drops most of it and TCP
// recovers by RTO (200 ms minimum). So each RTO passes about one bucket:
// goodput ~ min(rate, 8 * buffer / 200 ms) = 2.6 Mbit/s at 10mbit (64 KiB)
// and 5 Mbit/s at 100mbit (125 kB); measured 2.6-2.9 and 6.0-6.3, with
// TSO/GSO on or off (docs/faults.md, Bandwidth). The test asks for half the
// model's figure. The bucket here is tbf's 10 ms, given explicitly; a
// policing fault given no buffer gets 200 ms of the rate instead
// (PolicingDefaultBufferHoldsTcpWithinTenPercent).
TEST_F(ChaosBandwidthTest, PolicingHoldsTcpGoodputUnderTheRateBesideTbf) {
  if (engine_->fq_available()) GTEST_SKIP() << "fq exists here: faults shape (ShapingHoldsTcpGoodputAtTheRate)";
  for (bool gso : {true, false}) {
    if (!gso) {
      auto off = a_->exec({"ethtool", "-K", ab_->a_name(), "tso", "off", "gso", "off"});
      ASSERT_EQ(off.status, 0) << off.output;
      std::printf("(TSO/GSO off on %s)\n", ab_->a_name().c_str());
    }
    for (uint64_t rate : {10'000'000ULL, 100'000'000ULL}) {
      LoadOptions o;
      Row row = compare(rate, o);
      EXPECT_EQ(row.mode, "policing (no fq)");
      const double r = static_cast<double>(rate);
      EXPECT_LE(row.ours_bps, r * 1.05) << "more than the bucket can pass";
      const double model = std::min(r, 8.0 * static_cast<double>(default_buffer_bytes(rate)) / 0.2);
      EXPECT_GE(row.ours_bps, 0.5 * model) << "TCP over the policer below one bucket per RTO";
      EXPECT_GT(row.counters.dropped, 0u) << "TCP probes past the rate: a policer must have dropped";
      EXPECT_GT(row.tbf_bps, r * 0.85) << "tbf itself (the reference) misbehaved";
    }
  }
}

// UDP at twice the rate through the policer: the bucket alone decides, so
// goodput is rate + 8 * buffer / T, as long as the sender never pauses
// longer than the bucket's time (tokens beyond the buffer are lost). A
// CPU-starved iperf3 on this loaded 2-core machine pauses for tens of ms
// (the default 10 ms bucket at 100mbit got 51 % once), so the bucket here is
// 100 ms of the rate: ceiling rate + 2.5 %, within +-10 %.
TEST_F(ChaosBandwidthTest, PolicingPassesUdpAtTheRate) {
  if (engine_->fq_available()) GTEST_SKIP() << "fq exists here: faults shape";
  for (uint64_t rate : {10'000'000ULL, 100'000'000ULL}) {
    LoadOptions o;
    o.udp_bps = 2 * rate;
    o.ping = false;
    Row row = compare(rate, o, "", rate / 8 / 10);
    const double r = static_cast<double>(rate);
    EXPECT_NEAR(row.ours_bps, r, r * 0.10);
    EXPECT_GT(row.counters.dropped, 0u);
  }
}

// One TCP run through a fault of `mode` at `rate` whose buffer is left to
// the spec's default for that mode (a policer: 200 ms of the rate).
struct PolicedRun {
  double bps = 0;
  uint64_t retrans = 0;
  FaultCounters counters;
};

// The default policing bucket (200 ms of the rate). Model (docs/faults.md,
// Bandwidth): a policer cuts TCP's bursts and TCP recovers by its
// retransmission timeout (200 ms at least), passing about one bucket per
// timeout, so goodput ~ min(rate, 8 * buffer / 200 ms): with 200 ms of the
// rate the bucket alone can carry the rate. Above: at most rate + 8 *
// buffer / T over the measured T = 4 s (+5 %). Measured 9.9-10.0 of 10 and
// 97.7-99.7 of 100 Mbit/s on the host, where the 10 ms bucket gets 2.7 and
// 27 (PolicingHoldsTcpGoodputUnderTheRateBesideTbf). The issue's +-10 %.
TEST_F(ChaosBandwidthTest, PolicingDefaultBufferHoldsTcpWithinTenPercent) {
  for (uint64_t rate : {10'000'000ULL, 100'000'000ULL}) {
    auto added = add(bandwidth("bw", {{"rate", format_rate(rate)}, {"mode", "police"}}));
    ASSERT_TRUE(added) << added.error().message();
    EXPECT_EQ((*added)["spec"]["bandwidth"].value("buffer", uint64_t{0}), default_police_buffer_bytes(rate));
    auto r = load(LoadOptions{});
    ASSERT_TRUE(r) << r.error().message();
    auto c = counters("bw");
    ASSERT_TRUE(engine_->remove("bw"));
    std::printf("bandwidth %s TCP (policing, default buffer %llu): %.2f Mbit/s (%llu retrans; passed %llu dropped "
                "%llu)\n",
                format_rate(rate).c_str(), static_cast<unsigned long long>(default_police_buffer_bytes(rate)),
                r->goodput_bps / 1e6, static_cast<unsigned long long>(r->retransmits),
                static_cast<unsigned long long>(c.passed), static_cast<unsigned long long>(c.dropped));
    std::fflush(stdout);
    const double want = static_cast<double>(rate);
    EXPECT_NEAR(r->goodput_bps, want, want * 0.10);
  }
}

// Our policer beside the kernel's (act_police, where the kernel has it: the
// VM tier), same rate and burst (the default, 200 ms of the rate), the
// kernel's at the receiver's ingress so that its drops are as silent to the
// sender as ours. Both pass TCP about one bucket per retransmission timeout
// when the flow exceeds the rate; ours lets a GSO packet take the bucket
// into debt where act_police needs it to fit, which can only pass more. The
// check: ours within 10 % of the rate (the bound) and not below the
// kernel's by more than 10 % of the rate (both carry iperf3's run-to-run
// spread; 10mbit: one rate, since the guest under TCG carries ~160-220
// Mbit/s and 100mbit there measures the guest's CPU as much as the bucket).
TEST_F(ChaosBandwidthTest, PolicingMatchesTheKernelPolicer) {
  if (!kernel_police_available(*a_, ab_->a_name())) GTEST_SKIP() << "no act_police / cls_matchall in this kernel";
  const uint64_t rate = 10'000'000;
  const uint64_t burst = default_police_buffer_bytes(rate);
  LoadOptions o;
  o.ping = false;  // goodput only: a policer queues nothing
  double kernel_bps = 0;
  {
    auto police = PoliceFilter::add(*b_, ab_->b_name(), "ingress", rate, burst);
    ASSERT_TRUE(police) << police.error().message();
    auto r = load(o);
    ASSERT_TRUE(r) << r.error().message();
    kernel_bps = r->goodput_bps;
  }
  auto added = add(bandwidth("bw", {{"rate", format_rate(rate)}, {"mode", "police"}}));
  ASSERT_TRUE(added) << added.error().message();
  auto r = load(o);
  ASSERT_TRUE(r) << r.error().message();
  auto c = counters("bw");
  ASSERT_TRUE(engine_->remove("bw"));
  std::printf("bandwidth 10mbit TCP, burst %llu: kernel police %.2f Mbit/s | seismo police %.2f Mbit/s (%llu retrans; "
              "passed %llu dropped %llu)\n",
              static_cast<unsigned long long>(burst), kernel_bps / 1e6, r->goodput_bps / 1e6,
              static_cast<unsigned long long>(r->retransmits), static_cast<unsigned long long>(c.passed),
              static_cast<unsigned long long>(c.dropped));
  std::fflush(stdout);
  const double want = static_cast<double>(rate);
  EXPECT_NEAR(r->goodput_bps, want, want * 0.10);
  EXPECT_GE(r->goodput_bps, kernel_bps - want * 0.10);
  EXPECT_GT(c.dropped, 0u) << "TCP probes past the rate: a policer must have dropped";
}

// Shaping (fq: the VM tier). EDT paces the flow at the rate with no loss
// until limit bytes queue, so TCP fills the pipe like over tbf: goodput
// within +-5 % of the rate. Latency at full load: both queue up to the
// limit (50 ms at the rate); ours must not be worse than tbf's by more than
// 20 % + 5 ms at the median and the p99 (fq's flow isolation may even put
// ping ahead of the bulk flow, which tbf's single FIFO does not).
//
// 100mbit in the 6.12 guest under TCG: the guest carries 160-250 Mbit/s
// with no fault, but tbf itself gets only 75-86 Mbit/s there (a shaper's
// timers under TCG), so +-5 % of 100 Mbit/s is out of reach of the
// reference. When tbf (same rate, buffer, limit, same guest, same run) gets
// less than 95 % of the rate, ours must get at least 90 % of what tbf got
// (tbf alone varies 75-86 Mbit/s run to run there, +-7 %; ours/tbf was
// 0.93, 1.08 and 1.11 in three runs) and no more than the rate + 5 %; and its p99 may reach the limit (a hard
// bound: a packet that would wait longer is dropped) plus the guest's own
// stalls under a saturating flow (measured with no fault: p99 +52-60 ms),
// 50 + 60 ms, since one 60-ping p99 is that run's worst stall. At 10mbit
// the checks are the strict ones on every kernel (docs/faults.md).
TEST_F(ChaosBandwidthTest, ShapingHoldsTcpGoodputAtTheRate) {
  if (!engine_->fq_available()) GTEST_SKIP() << "no fq qdisc here: bandwidth faults police (the VM tier shapes)";
  for (uint64_t rate : {10'000'000ULL, 100'000'000ULL}) {
    LoadOptions o;
    Row row = compare(rate, o);
    EXPECT_EQ(row.mode, "shaping (fq)");
    const double r = static_cast<double>(rate);
    EXPECT_LE(row.ours_p50, row.tbf_p50 * 1.2 + 5.0);
    EXPECT_GT(row.counters.delayed, 0u);
    // 10mbit: strict whatever tbf got (the guest carries 16-25x that; tbf
    // itself fell to 9.01 once there, ours never below 9.91 in five runs).
    if (rate == 10'000'000 || row.tbf_bps >= r * 0.95) {
      EXPECT_NEAR(row.ours_bps, r, r * 0.05);
      EXPECT_LE(row.ours_p99, row.tbf_p99 * 1.2 + 5.0);
      continue;
    }
    std::printf("tbf got %.1f %% of %s here: ours compared with tbf's goodput, not the rate\n", 100 * row.tbf_bps / r,
                format_rate(rate).c_str());
    EXPECT_GE(row.ours_bps, row.tbf_bps * 0.90);
    EXPECT_LE(row.ours_bps, r * 1.05);
    const double limit_ms = 1e3 * 8.0 * static_cast<double>(default_limit_bytes(rate)) / r;
    EXPECT_LE(row.ours_p99, std::max(row.tbf_p99 * 1.2 + 5.0, row.idle_p50 + limit_ms + 60.0));
  }
}

// Shaping 10mbit, then a delay of 20 ms on the same traffic (fq: the VM
// tier; docs/faults.md, Composition: a shaper then a delay line, the delay
// added to the shaped departure). The pair composes when the rate holds and
// the delay adds to the shaper's queue.
//
// The flow is UDP that this process paces at 1.5x the rate, with a socket
// buffer (16 MiB) no queue here can fill: a local TCP sender behind a 20 ms
// EDT delay is held by TCP small queues (2.24 of 10 Mbit/s in the first
// run, the shaper never waiting), and iperf3's UDP by its 208 KiB socket
// buffer (7.8 Mbit/s, nothing dropped), which measures the sender, not the
// pair. Model: the sender overdrives the shaper, so its queue stays full
// and a packet that would wait longer than `limit` at the rate is dropped;
// what passes leaves at the rate. The bucket charges the whole frame (1400
// bytes of payload + 42 of headers), so the receiver's goodput is the rate
// x 1400/1442 (9.71 Mbit/s), asserted within +-5 % of the rate. Each
// datagram waits its place in the full queue (limit / rate = 52.4 ms for
// 64 KiB, less at most one datagram, 1.2 ms) and then the delay: its added
// one-way latency (send stamp to arrival, one clock; less the idle
// median) is 20 + 52.4 ms, its median within 20 % of that (the queue is
// shorter only while the sender pauses; fq's timer may fire late in a TCG
// guest). No datagram arrives sooner than the 20 ms of the delay line.
// Every packet the shaper passed was delayed (the delay fault counts it
// once the stamp is set), and the shaper both waited and dropped.
TEST_F(ChaosBandwidthTest, ShapingThenDelayAddsTheLatencyAtTheRate) {
  if (!engine_->fq_available()) GTEST_SKIP() << "no fq qdisc here: delay needs it (the VM tier)";
  constexpr uint64_t kRate = 10'000'000;
  constexpr double kDelayMs = 20.0;
  const double queue_ms = 1e3 * 8.0 * static_cast<double>(default_limit_bytes(kRate)) / static_cast<double>(kRate);
  PacedUdpOptions idle_o;
  idle_o.seconds = 0.5;
  idle_o.omit_seconds = 0;
  auto idle = paced_udp_run(*a_, *b_, ab_->b_ip(), idle_o);
  ASSERT_TRUE(idle) << idle.error().message();
  const double idle_p50 = idle->one_way_percentile(50);
  auto bw = add(bandwidth("bw", {{"rate", format_rate(kRate)}, {"mode", "shape"}}));
  ASSERT_TRUE(bw) << bw.error().message();
  json delay = bandwidth("delay20", {});
  delay.erase("bandwidth");
  delay["action"] = "delay";
  delay["delay"] = {{"latency", "20ms"}};
  auto d = add(delay);
  ASSERT_TRUE(d) << d.error().message();
  PacedUdpOptions o;
  o.rate_bps = kRate * 3 / 2;
  auto r = paced_udp_run(*a_, *b_, ab_->b_ip(), o);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_FALSE(r->one_way_ms.empty()) << "nothing arrived";
  const double fastest = *std::min_element(r->one_way_ms.begin(), r->one_way_ms.end());
  const double added_p50 = r->one_way_percentile(50) - idle_p50;
  const double model_ms = kDelayMs + queue_ms;
  const double model_bps = static_cast<double>(kRate) * static_cast<double>(o.payload) / (o.payload + 42.0);
  FaultCounters b, l;  // from one read, so no packet falls between the two
  for (const auto& sample : engine_->samples()) (sample.name == "bw" ? b : l) = sample.counters;
  std::printf("bandwidth 10mbit shaping + delay 20ms, UDP paced at 15 Mbit/s: goodput %.2f Mbit/s (model %.2f), %llu "
              "of %llu datagrams arrived; one-way min %.2f p50 %.2f p99 %.2f ms, idle p50 %.3f ms: added p50 %.2f ms "
              "(model %.1f + %.1f ms); shaper delayed %llu passed %llu dropped %llu, delay delayed %llu\n",
              r->goodput_bps / 1e6, model_bps / 1e6, static_cast<unsigned long long>(r->received),
              static_cast<unsigned long long>(r->sent), fastest, r->one_way_percentile(50),
              r->one_way_percentile(99), idle_p50, added_p50, kDelayMs, queue_ms,
              static_cast<unsigned long long>(b.delayed), static_cast<unsigned long long>(b.passed),
              static_cast<unsigned long long>(b.dropped), static_cast<unsigned long long>(l.delayed));
  std::fflush(stdout);
  EXPECT_NEAR(r->goodput_bps, model_bps, kRate * 0.05) << "the rate did not hold";
  EXPECT_GE(fastest, kDelayMs) << "a datagram overtook the delay";
  EXPECT_NEAR(added_p50, model_ms, 0.2 * model_ms) << "the delay did not add to the shaper's queue";
  EXPECT_GT(b.delayed, 0u) << "the flow never waited in the shaper";
  EXPECT_GT(b.dropped, 0u) << "1.5x the rate never filled the shaper's limit";
  EXPECT_EQ(l.delayed, b.passed + b.delayed) << "every packet the shaper let through was delayed";
  EXPECT_TRUE(engine_->remove("delay20"));
  EXPECT_TRUE(engine_->remove("bw"));
}

// A fault asked to shape where fq is missing is refused, naming the field,
// and nothing is installed.
TEST_F(ChaosBandwidthTest, ShapeWithoutFqIsRefused) {
  if (engine_->fq_available()) GTEST_SKIP() << "fq exists here";
  auto r = add(bandwidth("bw", {{"rate", "10mbit"}, {"mode", "shape"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EOPNOTSUPP);
  EXPECT_NE(r.error().message().find("bandwidth.mode"), std::string::npos) << r.error().message();
  EXPECT_TRUE(engine_->list()["faults"].empty());
}

}  // namespace
