// bpf/chaos.bpf.c on packet fixtures through BPF_PROG_TEST_RUN: the
// verifier accepts both programs, and loss, delay (EDT stamps, jitter,
// per-flow order), expiry and filters behave as specified. Needs no fq,
// so the delay program logic is checked on every kernel.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "chaos/chaos_object.h"
#include "chaos/fault_encoding.h"
#include "chaos/fault_maps.h"
#include "chaos/monotonic_clock.h"
#include "chaos_support.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;

namespace {

constexpr int kUnspec = -1;
constexpr int kShot = 2;
constexpr int kStolen = 4;

// Ethernet + IPv4 + UDP/TCP, or Ethernet + IPv6 + UDP, or ARP.
std::vector<uint8_t> ipv4_packet(const char* src, const char* dst, uint8_t proto, uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> p(14 + 20 + 20, 0);
  p[12] = 0x08;
  p[13] = 0x00;
  uint8_t* ip = p.data() + 14;
  ip[0] = 0x45;
  ip[2] = 0;
  ip[3] = 40;
  ip[8] = 64;
  ip[9] = proto;
  inet_pton(AF_INET, src, ip + 12);
  inet_pton(AF_INET, dst, ip + 16);
  uint8_t* l4 = ip + 20;
  l4[0] = static_cast<uint8_t>(sport >> 8);
  l4[1] = static_cast<uint8_t>(sport);
  l4[2] = static_cast<uint8_t>(dport >> 8);
  l4[3] = static_cast<uint8_t>(dport);
  if (proto == 6) l4[12] = 0x50;
  return p;
}

std::vector<uint8_t> ipv6_packet(const char* src, const char* dst, uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> p(14 + 40 + 8, 0);
  p[12] = 0x86;
  p[13] = 0xdd;
  uint8_t* ip = p.data() + 14;
  ip[0] = 0x60;
  ip[5] = 8;
  ip[6] = 17;
  ip[7] = 64;
  inet_pton(AF_INET6, src, ip + 8);
  inet_pton(AF_INET6, dst, ip + 24);
  uint8_t* l4 = ip + 40;
  l4[0] = static_cast<uint8_t>(sport >> 8);
  l4[1] = static_cast<uint8_t>(sport);
  l4[2] = static_cast<uint8_t>(dport >> 8);
  l4[3] = static_cast<uint8_t>(dport);
  return p;
}

std::vector<uint8_t> arp_packet() {
  std::vector<uint8_t> p(14 + 28, 0);
  p[12] = 0x08;
  p[13] = 0x06;
  return p;
}

struct RunResult {
  int retval = 0;
  uint64_t tstamp = 0;
};

class ChaosProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
    auto fs = TempBpffs::create();
    ASSERT_TRUE(fs);
    fs_.emplace(std::move(*fs));
    ASSERT_EQ(::mkdir(fs_->bpffs().c_str(), 0700), 0);
    ASSERT_EQ(::mount("bpf", fs_->bpffs().c_str(), "bpf", 0, "mode=0700"), 0);
    pin_dir_ = fs_->bpffs() + "/seismo";
    ASSERT_EQ(::mkdir(pin_dir_.c_str(), 0700), 0);
    auto maps = FaultMaps::open(pin_dir_);
    ASSERT_TRUE(maps) << maps.error().message();
    maps_ = std::move(*maps);
    for (auto hook : {net::TcHook::egress, net::TcHook::ingress}) {
      ChaosProgramConfig pc{hook == net::TcHook::egress ? 0U : 1U, hook, 14, hook == net::TcHook::ingress};
      auto prog = ChaosObject::load_program(pin_dir_, pc);
      ASSERT_TRUE(prog) << prog.error().message();
      (hook == net::TcHook::egress ? egress_ : ingress_) = std::move(*prog);
    }
  }
  void TearDown() override {
    egress_.reset();
    ingress_.reset();
    if (maps_) (void)maps_->unpin();
    maps_.reset();
  }

  // Puts one fault in slot `slot`, listed on both attachments.
  void install(uint32_t slot, const FaultSpec& spec, uint64_t expires = 0) {
    if (!expires) expires = monotonic_now_ns() + 60'000'000'000ULL;
    ASSERT_TRUE(maps_->reset_counters(slot));
    ++generation_;
    // The peer prefixes live in the fault_peers trie, written before the cfg goes live (as the installer does).
    ASSERT_TRUE(maps_->write_peers(slot, generation_, spec.filter.cidrs));
    ASSERT_TRUE(maps_->write_cfg(slot, encode_fault_cfg(spec, expires, generation_)));
    for (uint32_t id : {0U, 1U}) {
      auto att = maps_->read_attach(id);
      ASSERT_TRUE(att);
      att->slots[att->count++] = slot;
      ASSERT_TRUE(maps_->write_attach(id, *att));
    }
  }

  RunResult run(const ChaosObject& prog, const std::vector<uint8_t>& pkt, uint32_t repeat = 1, uint64_t tstamp = 0) {
    __sk_buff ctx{};
    ctx.tstamp = tstamp;
    __sk_buff out{};
    std::vector<uint8_t> data_out(pkt.size() + 64);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data(), .data_out = data_out.data(),
                .data_size_in = static_cast<uint32_t>(pkt.size()),
                .data_size_out = static_cast<uint32_t>(data_out.size()), .ctx_in = &ctx, .ctx_out = &out,
                .ctx_size_in = sizeof(ctx), .ctx_size_out = sizeof(out), .repeat = static_cast<int>(repeat));
    int err = bpf_prog_test_run_opts(prog.program_fd(), &opts);
    EXPECT_EQ(err, 0) << "test run failed: " << std::strerror(errno);
    return {static_cast<int>(opts.retval), out.tstamp};
  }

  FaultSpec loss(double percent, double correlation = 0) {
    FaultSpec s;
    s.action = Action::loss;
    s.loss = {percent, correlation};
    s.duration_ns = 60'000'000'000ULL;
    return s;
  }
  FaultSpec delay(uint64_t latency_ms, uint64_t jitter_ms, bool reorder) {
    FaultSpec s;
    s.action = Action::delay;
    s.delay = {latency_ms * 1'000'000, jitter_ms * 1'000'000, 0, reorder, {}};
    s.duration_ns = 60'000'000'000ULL;
    return s;
  }

  std::optional<TempBpffs> fs_;
  std::string pin_dir_;
  std::unique_ptr<FaultMaps> maps_;
  std::unique_ptr<ChaosObject> egress_, ingress_;
  uint64_t generation_ = 0;
  const std::vector<uint8_t> udp_ = ipv4_packet("10.0.0.1", "10.0.0.2", 17, 40000, 53);
};

}  // namespace

TEST_F(ChaosProgramTest, NoFaultPassesWithUnspecSoLaterFiltersRun) {
  EXPECT_EQ(run(*egress_, udp_).retval, kUnspec);
  EXPECT_EQ(run(*ingress_, udp_).retval, kUnspec);
}

TEST_F(ChaosProgramTest, FullLossIsStolenAtEgressAndShotAtIngress) {
  install(0, loss(100));
  EXPECT_EQ(run(*egress_, udp_).retval, kStolen);
  EXPECT_EQ(run(*ingress_, udp_).retval, kShot);
  EXPECT_EQ(maps_->counters(0).dropped, 2u);
  EXPECT_EQ(maps_->counters(0).passed, 0u);
}

TEST_F(ChaosProgramTest, NonIpTrafficIsNeverFaultedNorCounted) {
  install(0, loss(100));
  EXPECT_EQ(run(*egress_, arp_packet()).retval, kUnspec);
  EXPECT_EQ(maps_->counters(0).dropped + maps_->counters(0).passed, 0u);
}

TEST_F(ChaosProgramTest, ExpiredFaultPassesEverything) {
  install(0, loss(100), monotonic_now_ns() + 50'000'000);
  EXPECT_EQ(run(*egress_, udp_).retval, kStolen);
  usleep(60'000);
  EXPECT_EQ(run(*egress_, udp_, 1000).retval, kUnspec);
  EXPECT_EQ(maps_->counters(0).dropped, 1u);
}

TEST_F(ChaosProgramTest, LossRateMatchesThePercentOverManyRuns) {
  for (double percent : {0.0, 10.0, 50.0}) {
    install(0, loss(percent));
    const uint32_t n = 200000;
    run(*egress_, udp_, n);
    auto c = maps_->counters(0);
    ASSERT_EQ(c.dropped + c.passed, n);
    const double p = percent / 100;
    const double sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(c.dropped), n * p, 4 * sd + 1e-9) << percent << "%";
    // Next round starts clean.
    ASSERT_TRUE(maps_->write_attach(0, fault_attach{}));
    ASSERT_TRUE(maps_->write_attach(1, fault_attach{}));
  }
}

TEST_F(ChaosProgramTest, DelayStampsAMonotonicDeliveryTime) {
  install(0, delay(10, 0, false));
  const uint64_t before = monotonic_now_ns();
  auto r = run(*egress_, udp_);
  const uint64_t after = monotonic_now_ns();
  EXPECT_EQ(r.retval, kUnspec);
  EXPECT_GE(r.tstamp, before + 10'000'000);
  EXPECT_LE(r.tstamp, after + 10'000'000);
  // (BPF_PROG_TEST_RUN does not report tstamp_type back; the real path is
  // covered by the fq delay tests.)
  auto c = maps_->counters(0);
  EXPECT_EQ(c.delayed, 1u);
  EXPECT_EQ(c.delay_ns, 10'000'000u);
  // 10 ms = 2^23.25 ns: log2 slot 23.
  EXPECT_EQ(c.delay_hist[23], 1u);
}

TEST_F(ChaosProgramTest, DelayIgnoresAStampThatIsNotAMonotonicDeliveryTime) {
  // A receive (realtime) time stamp is no departure time: the delay counts
  // from now. (A mono delivery time, TCP's pacing, would be the base
  // instead; BPF_PROG_TEST_RUN cannot set tstamp_type, the fq tests cover it.)
  install(0, delay(10, 0, false));
  const uint64_t stale = monotonic_now_ns() + 500'000'000;
  const uint64_t before = monotonic_now_ns();
  auto r = run(*egress_, udp_, 1, stale);
  EXPECT_GE(r.tstamp, before + 10'000'000);
  EXPECT_LT(r.tstamp, stale);
}

TEST_F(ChaosProgramTest, JitterIsUniformAroundTheLatencyWhenReorderingIsAllowed) {
  install(0, delay(10, 5, /*reorder=*/true));
  // The program reads the clock somewhere between `before` and `after`. A
  // sample counts only when that window is under kWindowMs, so its error is
  // bounded whatever the load; a preempted run is repeated (bounded tries).
  constexpr double kWindowMs = 0.2;
  std::vector<double> d;
  for (int tries = 0; d.size() < 2000 && tries < 20000; ++tries) {
    const uint64_t before = monotonic_now_ns();
    auto r = run(*egress_, udp_);
    const uint64_t after = monotonic_now_ns();
    if (static_cast<double>(after - before) / 1e6 < kWindowMs)
      d.push_back(static_cast<double>(r.tstamp - before) / 1e6);
  }
  ASSERT_EQ(d.size(), 2000U) << "the machine preempted nearly every run";
  double sum = 0, sq = 0, lo = 1e9, hi = 0;
  for (double v : d) {
    sum += v;
    sq += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double mean = sum / d.size();
  const double sd = std::sqrt(sq / d.size() - mean * mean);
  EXPECT_GE(lo, 5.0 - 0.01);
  EXPECT_LE(hi, 15.0 + kWindowMs);  // + the window the clock was read in
  EXPECT_NEAR(mean, 10.0, 0.3);
  EXPECT_NEAR(sd, 5.0 / std::sqrt(3.0), 0.3);  // uniform over [5, 15] ms
}

TEST_F(ChaosProgramTest, JitterNeverReordersAFlowUnlessAsked) {
  install(0, delay(10, 5, /*reorder=*/false));
  uint64_t last = 0;
  for (int i = 0; i < 2000; ++i) {
    auto r = run(*egress_, udp_);
    EXPECT_GE(r.tstamp, last) << "packet " << i << " would overtake its predecessor";
    last = r.tstamp;
  }
}

TEST_F(ChaosProgramTest, CidrFilterLooksAtThePeerAddress) {
  FaultSpec s = loss(100);
  s.filter.cidrs.push_back(*Cidr::parse("10.0.0.2/32", "cidr"));
  install(0, s);
  // Egress: the peer is the destination; ingress: the source.
  EXPECT_EQ(run(*egress_, ipv4_packet("10.0.0.1", "10.0.0.2", 17, 1, 2)).retval, kStolen);
  EXPECT_EQ(run(*egress_, ipv4_packet("10.0.0.2", "10.0.0.1", 17, 1, 2)).retval, kUnspec);
  EXPECT_EQ(run(*ingress_, ipv4_packet("10.0.0.2", "10.0.0.1", 17, 1, 2)).retval, kShot);
  EXPECT_EQ(run(*ingress_, ipv4_packet("10.0.0.1", "10.0.0.2", 17, 1, 2)).retval, kUnspec);
}

TEST_F(ChaosProgramTest, Ipv6CidrAndPortFiltersMatch) {
  FaultSpec s = loss(100);
  s.filter.cidrs.push_back(*Cidr::parse("fd00:1::/64", "cidr"));
  s.filter.ports.push_back({8000, 8080});
  install(0, s);
  EXPECT_EQ(run(*egress_, ipv6_packet("fd00:2::1", "fd00:1::5", 40000, 8080)).retval, kStolen);
  EXPECT_EQ(run(*egress_, ipv6_packet("fd00:2::1", "fd00:1::5", 8001, 443)).retval, kStolen);  // source side
  EXPECT_EQ(run(*egress_, ipv6_packet("fd00:2::1", "fd00:1::5", 40000, 443)).retval, kUnspec);
  EXPECT_EQ(run(*egress_, ipv6_packet("fd00:2::1", "fd00:3::5", 40000, 8080)).retval, kUnspec);
}

TEST_F(ChaosProgramTest, ProtocolFilterMatchesOnlyItsProtocol) {
  FaultSpec s = loss(100);
  s.filter.protocol = 6;
  install(0, s);
  EXPECT_EQ(run(*egress_, ipv4_packet("10.0.0.1", "10.0.0.2", 6, 1, 2)).retval, kStolen);
  EXPECT_EQ(run(*egress_, ipv4_packet("10.0.0.1", "10.0.0.2", 17, 1, 2)).retval, kUnspec);
}

TEST_F(ChaosProgramTest, LossAndDelayComposeOnOnePacket) {
  install(0, loss(0));
  install(1, delay(20, 0, false));
  auto r = run(*egress_, udp_);
  EXPECT_EQ(r.retval, kUnspec);
  EXPECT_EQ(maps_->counters(0).passed, 1u);
  EXPECT_EQ(maps_->counters(1).delayed, 1u);
  EXPECT_GT(r.tstamp, monotonic_now_ns() + 15'000'000);
}

// netem's reorder (docs/faults.md, Reorder) in the program itself: with
// 100% and gap 3, every third packet leaves at once (now, not now + 10 ms),
// ahead of the delayed ones before it in the same flow; the delayed ones
// keep their order; counters say reordered, not delayed.
TEST_F(ChaosProgramTest, ReorderSendsEveryGapthPacketAtOnceAheadOfTheDelayedOnes) {
  FaultSpec s = delay(10, 0, false);
  s.delay.reorder = {100, 0, 3};
  install(0, s);
  uint64_t last_delayed = 0;
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    const uint64_t before = monotonic_now_ns();
    auto r = run(*egress_, udp_);
    const uint64_t after = monotonic_now_ns();
    EXPECT_EQ(r.retval, kUnspec);
    if (i % 3 == 2) {
      EXPECT_GE(r.tstamp, before);  // at once: its own departure time
      EXPECT_LE(r.tstamp, after);
      EXPECT_LT(r.tstamp, last_delayed);  // overtakes the delayed one before it
    } else {
      EXPECT_GE(r.tstamp, before + 10'000'000);
      EXPECT_GE(r.tstamp, last_delayed);  // the flow's delayed packets keep their order
      last_delayed = r.tstamp;
    }
  }
  auto c = maps_->counters(0);
  EXPECT_EQ(c.reordered, 2u);
  EXPECT_EQ(c.delayed, 4u);
  EXPECT_EQ(c.delay_ns, 4 * 10'000'000u);  // the ones sent at once add nothing
}

// The share sent at once over many packets on one CPU: netem's rule gives
// p / (1 + (gap - 1) p) (a candidate after gap - 1 delayed packets, picked
// with p). The count of at-once packets in n is a renewal count with a
// variance below the binomial one; 4 binomial sd is the bound.
TEST_F(ChaosProgramTest, ReorderShareFollowsNetemsRule) {
  struct Row {
    double percent;
    uint32_t gap;
  };
  for (Row row : {Row{25, 5}, Row{50, 1}, Row{10, 2}}) {
    FaultSpec s = delay(1, 0, false);
    s.delay.reorder = {row.percent, 0, row.gap};
    install(0, s);
    const uint32_t n = 100000;
    run(*egress_, udp_, n);
    auto c = maps_->counters(0);
    ASSERT_EQ(c.reordered + c.delayed, n);
    const double p = row.percent / 100;
    const double share = p / (1 + (row.gap - 1) * p);
    const double sd = std::sqrt(n * share * (1 - share));
    EXPECT_NEAR(static_cast<double>(c.reordered), n * share, 4 * sd) << row.percent << "% gap " << row.gap;
    ASSERT_TRUE(maps_->write_attach(0, fault_attach{}));
    ASSERT_TRUE(maps_->write_attach(1, fault_attach{}));
  }
}
