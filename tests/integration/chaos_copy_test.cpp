// duplicate and corrupt faults against the real kernel (docs/faults.md,
// Duplicate and Corrupt): numbered datagrams whose payload the receiver
// verifies byte by byte, so a copy and a corrupted datagram that reached the
// application are both seen; the receiver's checksum counters say who
// rejected what.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "chaos_lab_fixture.h"
#include "doctor/doctor.h"
#include "chaos_support.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

constexpr size_t kDatagrams = 20000;
constexpr double kZ99 = 2.5758;  // two-sided 99% normal quantile
// fault_losses stages (bpf/chaos.bpf.c).
constexpr size_t kDuplicateFailed = 1;
constexpr size_t kCorruptSkipped = 2;

// udp_run with the datagrams' checksum computed in full or left to offload.
Result<UdpRun> copy_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                        size_t count, bool full_checksum) {
  auto run = udp_run(from, to, to_ip, port, count, -1, 0, full_checksum);
  if (run) {
    EXPECT_EQ(run->send_errors, 0u);
  }
  return run;
}

// Binomial(n, p) within its 99% interval (normal approximation; n p > 1000
// here). Copies and corruptions are picked by a Gilbert chain with no
// correlation: enter = p, leave = 1 - p, i.e. independent Bernoulli(p).
void expect_binomial(uint64_t k, uint64_t n, double p, const char* what) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  EXPECT_GE(static_cast<double>(k), mean - kZ99 * sd) << what;
  EXPECT_LE(static_cast<double>(k), mean + kZ99 * sd) << what;
}

class ChaosCopyTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
  }
  json fault(const std::string& name, const std::string& action, double percent) const {
    return {{"name", name},
            {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
            {"action", action},
            {action, {{"percent", percent}}},
            {"duration", "60s"}};
  }
  uint64_t kernel_loss(size_t stage) const {
    auto l = engine_->kernel_losses();
    return stage < l.size() ? l[stage] : 0;
  }
};

}  // namespace

class DuplicateFidelity : public ChaosCopyTest, public ::testing::WithParamInterface<double> {};

TEST_P(DuplicateFidelity, ReceivedCopiesInBinomialIntervalCountersExact) {
  const double percent = GetParam();
  const std::string name = fmt::format("dup{}", static_cast<int>(percent));
  ASSERT_TRUE(engine_->add(spec(fault(name, "duplicate", percent))));
  auto run = copy_run(*a_, *b_, ab_->b_ip(), 5101, kDatagrams, false);
  ASSERT_TRUE(run) << run.error().message();

  EXPECT_EQ(run->received, run->sent) << "an original was lost";
  EXPECT_EQ(run->bad, 0u);
  const uint64_t copies = run->datagrams - run->received;
  expect_binomial(copies, run->sent, percent / 100.0, "copies received");
  auto c = counters(name);
  EXPECT_EQ(c.duplicated, copies) << "a copy counted but not received, or received but not counted";
  EXPECT_EQ(c.passed, run->sent) << "the originals are passed; the copies are not counted again";
  EXPECT_EQ(c.dropped + c.corrupted, 0u);
  EXPECT_EQ(kernel_loss(kDuplicateFailed), 0u);
  std::cout << fmt::format("[ info ] duplicate {}%: {} datagrams, {} copies ({:.2f}%)\n", percent, run->sent, copies,
                           100.0 * copies / run->sent);
}

INSTANTIATE_TEST_SUITE_P(Percent, DuplicateFidelity, ::testing::Values(10.0, 50.0));

TEST_F(ChaosCopyTest, EveryPacketDuplicatedOnceNotCopiesOfCopies) {
  // 100%: the copy re-enters the program inside bpf_clone_redirect; were it
  // picked again, copies would multiply up to the xmit recursion limit.
  ASSERT_TRUE(engine_->add(spec(fault("dup100", "duplicate", 100))));
  auto run = copy_run(*a_, *b_, ab_->b_ip(), 5102, 2000, false);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->received, 2000u);
  EXPECT_EQ(run->datagrams, 4000u);
  EXPECT_EQ(counters("dup100").duplicated, 2000u);
}

TEST_F(ChaosCopyTest, CopiesMeetTheOtherFaults) {
  // duplicate 100% + loss 100% on the same device: the original and its copy
  // are both dropped (the copy goes through every fault but duplicate).
  ASSERT_TRUE(engine_->add(spec(fault("dupall", "duplicate", 100))));
  ASSERT_TRUE(engine_->add(spec(loss("lossall", 100))));
  auto run = copy_run(*a_, *b_, ab_->b_ip(), 5103, 500, false);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->datagrams, 0u);
  EXPECT_EQ(counters("dupall").duplicated, 500u);
  EXPECT_EQ(counters("lossall").dropped, 1000u) << "originals and copies";
}

TEST_F(ChaosCopyTest, IngressDuplicateActsOnThePeersEgress) {
  // Traffic towards the target (b → a): the fault sits on a's veth peer.
  auto f = fault("dupin", "duplicate", 100);
  f["direction"] = "ingress";
  ASSERT_TRUE(engine_->add(spec(f)));
  auto run = copy_run(*b_, *a_, ab_->a_ip(), 5104, 1000, false);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->received, 1000u);
  EXPECT_EQ(run->datagrams, 2000u);
  EXPECT_EQ(counters("dupin").duplicated, 1000u);
}

class CorruptFidelity : public ChaosCopyTest, public ::testing::WithParamInterface<bool> {};

// full checksum (CHECKSUM_NONE): a payload bit flips, the receiver's UDP
// checksum fails. Offloaded (CHECKSUM_PARTIAL, what a veth sender makes):
// the IPv4 header checksum is broken instead, which the receiver's IP layer
// checks. Either way no corrupted byte reaches the application.
TEST_P(CorruptFidelity, ReceiverRejectsEveryCorruptedDatagramCountInBinomialInterval) {
  const bool full = GetParam();
  const std::string name = full ? "corruptnone" : "corruptpartial";
  ASSERT_TRUE(engine_->add(spec(fault(name, "corrupt", 10))));
  const auto before = CsumErrors::read(*b_).value();
  auto run = copy_run(*a_, *b_, ab_->b_ip(), full ? 5105 : 5106, kDatagrams, full);
  ASSERT_TRUE(run) << run.error().message();
  const auto after = CsumErrors::read(*b_).value();

  auto c = counters(name);
  EXPECT_EQ(run->bad, 0u) << "corrupted data delivered to the application";
  expect_binomial(c.corrupted, run->sent, 0.10, "corrupted");
  EXPECT_EQ(run->received, run->sent - c.corrupted);
  EXPECT_EQ(run->datagrams, run->received);
  EXPECT_EQ(c.passed + c.corrupted, run->sent);
  EXPECT_EQ(kernel_loss(kCorruptSkipped), 0u);
  if (full) {
    // The program takes a UDP checksum equal to the pseudo-header's seed
    // for one left to offload (bpf/lib/fault_copy.bpf.h) and corrupts the
    // IP header instead: a complete checksum has that value by chance, 1
    // in 65,536 (0.03 of 2,000 corrupted). Such a datagram is still
    // rejected, by IP; P(4 or more in one run) ~ 3e-8.
    EXPECT_EQ((after.udp - before.udp) + (after.ip - before.ip), c.corrupted) << "Udp + IpExt InCsumErrors";
    EXPECT_LE(after.ip - before.ip, 3u) << "IpExt InCsumErrors: the offload guess is wrong far more than by chance";
  } else {
    EXPECT_EQ(after.ip - before.ip, c.corrupted) << "IpExt InCsumErrors";
    EXPECT_EQ(after.udp, before.udp);
  }
  std::cout << fmt::format("[ info ] corrupt 10% ({}): {} datagrams, {} corrupted, receiver Udp InCsumErrors +{}, "
                           "IpExt InCsumErrors +{}\n",
                           full ? "full checksum" : "offloaded checksum", run->sent, c.corrupted, after.udp - before.udp,
                           after.ip - before.ip);
}

INSTANTIATE_TEST_SUITE_P(Checksum, CorruptFidelity, ::testing::Values(true, false),
                         [](const auto& param_info) { return param_info.param ? "Full" : "Offloaded"; });

TEST_F(ChaosCopyTest, TcpTransferUnderCorruptCompletesIntactWithRetransmits) {
  // One segment per skb (gso_max_segs 1): a GSO super-packet is left alone
  // (its segments are cut later, by a NIC too), so the test makes none.
  ASSERT_TRUE(run_checked({"ip", "-n", a_->name(), "link", "set", "dev", ab_->a_name(), "gso_max_segs", "1"}));
  ASSERT_TRUE(engine_->add(spec(fault("tcpcorrupt", "corrupt", 5))));
  const auto before = CsumErrors::read(*b_).value();
  auto run = tcp_run(*a_, *b_, ab_->b_ip(), 5107, 4 << 20);
  ASSERT_TRUE(run) << run.error().message();
  const auto after = CsumErrors::read(*b_).value();
  auto c = counters("tcpcorrupt");
  EXPECT_TRUE(run->intact) << run->bytes_received << " bytes";
  EXPECT_FALSE(run->send_error);
  EXPECT_GT(c.corrupted, 0u);
  EXPECT_GE(run->retransmits, 1u);
  EXPECT_EQ((after.tcp - before.tcp) + (after.ip - before.ip), c.corrupted)
      << "every corrupted segment rejected by the receiver's checksums";
  std::cout << fmt::format("[ info ] 4 MB over corrupt 5%: {:.2f} s, {} corrupted, {} retransmits, {} skipped\n",
                           run->seconds, c.corrupted, run->retransmits, kernel_loss(kCorruptSkipped));
}

// Side by side with netem on the same kernel (the VM tier; netem is absent on
// the host, which skips): netem's duplicate 10% and corrupt 10% on the same
// veth, the same datagrams, the same receiver checks. Both must land in the
// same binomial interval. netem corrupts after skb_checksum_help, so its
// flipped bit shows in the receiver's Udp InCsumErrors, or (a bit of the
// headers) in the IP layer's counters or a datagram for another port.
TEST_F(ChaosCopyTest, NetemSideBySide) {
  if (doctor::probe_qdisc("netem") != 0) GTEST_SKIP() << "no netem qdisc in this kernel";
  expect_restored_ = false;  // the test replaces the root qdisc itself
  auto netem = [&](const std::vector<std::string>& what) {
    std::vector<std::string> cmd = {"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "netem"};
    cmd.insert(cmd.end(), what.begin(), what.end());
    return a_->exec(cmd).status == 0;
  };
  ASSERT_TRUE(netem({"duplicate", "10%"}));
  auto dup = copy_run(*a_, *b_, ab_->b_ip(), 5111, kDatagrams, false);
  ASSERT_TRUE(dup) << dup.error().message();
  const uint64_t netem_copies = dup->datagrams - dup->received;
  expect_binomial(netem_copies, dup->sent, 0.10, "netem copies");
  ASSERT_TRUE(netem({"corrupt", "10%"}));
  auto bad = copy_run(*a_, *b_, ab_->b_ip(), 5112, kDatagrams, false);
  ASSERT_TRUE(bad) << bad.error().message();
  // netem flips one bit of any byte of the frame (skb->data at the root qdisc
  // is the Ethernet header): 14 + 20 + 8 + 64 = 106 bytes, and a flip in the
  // 6-byte source MAC harms nothing, so P(rejected) = 0.10 * 100/106 (the VM
  // tier's first run: 1,871 of 20,000, below a plain 10% interval).
  const uint64_t netem_rejected = bad->sent - bad->received;
  expect_binomial(netem_rejected, bad->sent, 0.10 * 100.0 / 106.0, "netem rejected");
  EXPECT_EQ(bad->bad, 0u) << "netem delivered corrupted data";
  a_->exec({"tc", "qdisc", "del", "dev", ab_->a_name(), "root"});

  ASSERT_TRUE(engine_->add(spec(fault("dupvs", "duplicate", 10))));
  auto ours = copy_run(*a_, *b_, ab_->b_ip(), 5113, kDatagrams, false);
  ASSERT_TRUE(ours) << ours.error().message();
  const uint64_t our_copies = ours->datagrams - ours->received;
  expect_binomial(our_copies, ours->sent, 0.10, "our copies");
  std::cout << fmt::format("[ info ] duplicate 10%: ours {} copies, netem {}; corrupt 10%: netem {} rejected, {} "
                           "corrupted datagrams delivered (ours: 0, ChaosCopyTest.CorruptFidelity)\n",
                           our_copies, netem_copies, netem_rejected, bad->bad);
}

TEST_F(ChaosCopyTest, DuplicateWithDelayDelaysBothCopies) {
  if (doctor::probe_qdisc("fq") != 0) GTEST_SKIP() << "no fq qdisc in this kernel (delay faults need it)";
  ASSERT_TRUE(engine_->add(spec(fault("dupdelay", "duplicate", 100))));
  auto d = fault("delay50", "delay", 0);
  d["delay"] = {{"latency", "50ms"}};
  ASSERT_TRUE(engine_->add(spec(d)));
  // Every datagram and its copy arrive, none before the delay: the receiver
  // sees nothing within 25 ms of a send, then both.
  auto rx = b_->socket(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(rx);
  auto addr = ipv4(ab_->b_ip(), 5114);
  ASSERT_EQ(::bind(rx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto tx = a_->socket(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(tx);
  ASSERT_EQ(::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::send(tx->get(), "x", 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  char buf[16];
  EXPECT_LT(::recv(rx->get(), buf, sizeof(buf), MSG_DONTWAIT), 0) << "a copy left undelayed";
  int got = 0;
  for (int i = 0; i < 200 && got < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    while (::recv(rx->get(), buf, sizeof(buf), MSG_DONTWAIT) > 0) ++got;
  }
  EXPECT_EQ(got, 2);
  EXPECT_EQ(counters("delay50").delayed, 2u) << "the original and its copy";
}

// corrupt 50 % + delay 1 s (fq: the VM tier; docs/faults.md, Composition):
// the corrupted packet is delayed like any other. 50 datagrams sent at once
// (fewer than fq's per-flow limit of 100 packets, which the delay queue
// must hold): right after the last send the receiver has neither read nor
// rejected any (checked within 900 ms of the first send: reading the
// receiver's counters forks a process, which takes a few hundred ms in a
// TCG guest; the first run with 200 ms read them too late); then
// it rejects exactly the corrupted ones and reads the rest, and the delay
// fault counts all 50 as delayed. Corrupt picks each with p = 0.5, so none
// picked has probability 2^-50.
TEST_F(ChaosCopyTest, CorruptWithDelayDelaysTheCorruptedToo) {
  if (doctor::probe_qdisc("fq") != 0) GTEST_SKIP() << "no fq qdisc in this kernel (delay faults need it)";
  constexpr int kN = 50;
  ASSERT_TRUE(engine_->add(spec(fault("bad", "corrupt", 50))));
  auto d = fault("delay1s", "delay", 0);
  d["delay"] = {{"latency", "1s"}};
  ASSERT_TRUE(engine_->add(spec(d)));
  const auto before = CsumErrors::read(*b_).value();
  auto rx = b_->socket(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(rx);
  auto addr = ipv4(ab_->b_ip(), 5115);
  ASSERT_EQ(::bind(rx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto tx = a_->socket(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(tx);
  ASSERT_EQ(::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) ASSERT_EQ(::send(tx->get(), "0123456789abcdef", 16, 0), 16);
  char buf[64];
  EXPECT_LT(::recv(rx->get(), buf, sizeof(buf), MSG_DONTWAIT), 0) << "a datagram left undelayed";
  const uint64_t early = CsumErrors::read(*b_).value().total();
  ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900)) << "too slow to tell";
  EXPECT_EQ(early, before.total()) << "a corrupted datagram left undelayed";
  int got = 0;
  uint64_t rejected = 0;
  for (int i = 0; i < 300 && got + rejected < kN; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    while (::recv(rx->get(), buf, sizeof(buf), MSG_DONTWAIT) > 0) ++got;
    rejected = CsumErrors::read(*b_).value().total() - before.total();
  }
  const auto c = counters("bad");
  EXPECT_GT(c.corrupted, 0u);
  EXPECT_EQ(rejected, c.corrupted) << "every corrupted datagram arrived, and was rejected";
  EXPECT_EQ(static_cast<uint64_t>(got), kN - c.corrupted);
  EXPECT_EQ(counters("delay1s").delayed, static_cast<uint64_t>(kN)) << "the corrupted ones too";
}
