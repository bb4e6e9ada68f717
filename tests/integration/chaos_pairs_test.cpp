// Pairs of fault kinds on one device and the same traffic, end to end
// (docs/faults.md, Composition): every pair with bandwidth, duplicate or
// corrupt that the host can run (no fq: bandwidth polices; the pairs with
// delay run in the VM tier, chaos_copy_test and chaos_bandwidth_test). Each
// test adds the two faults in both orders, sends numbered datagrams whose
// payload the receiver checks, and compares what arrived, what the
// receiver's checksums rejected and each fault's counters with the model of
// the two faults in series, in the attachment's order. Three of them found
// defects in how corrupt composed (it flipped its bit at its place in the
// order); corruption now happens once, after every fault ran, and only to a
// packet nothing dropped (docs/faults.md, Composition).
//
// Statistics: a fault's picks are a Gilbert chain with no correlation
// (enter = p, leave = 1 - p), i.e. independent Bernoulli(p) draws; a count
// is a sum of independent per-datagram outcomes, checked against its mean
// +- 3.29 standard deviations (two-sided 99.9 %, normal approximation; every
// count here has n p > 250). Bandwidth: a policer whose bucket starts full
// with K packets' worth and refills at 1,000 B/s (about 9 datagrams a
// second) passes K (+1 into debt) plus what it refilled while the run
// lasted, and drops the rest.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

constexpr double kZ999 = 3.2905;  // two-sided 99.9 % normal quantile
constexpr size_t kStat = 20000;    // datagrams for a statistical check
// A datagram as the egress hook charges it: Ethernet 14 + IPv4 20 + UDP 8 + 64.
constexpr uint64_t kFrame = 106;
constexpr uint64_t kRefillBps = 1000;  // "8kbit"

// x within mean +- z sd.
void expect_near_mean(double x, double mean, double var, const std::string& what) {
  const double half = kZ999 * std::sqrt(var);
  EXPECT_GE(x, mean - half) << what << ": model " << mean << " +- " << half;
  EXPECT_LE(x, mean + half) << what << ": model " << mean << " +- " << half;
}

void expect_binomial(uint64_t k, uint64_t n, double p, const std::string& what) {
  const double dn = static_cast<double>(n);
  expect_near_mean(static_cast<double>(k), dn * p, dn * p * (1 - p), what);
}

class ChaosPairsTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
  }

  // A fault on a's veth end, egress, UDP only (so nothing else meets a bucket).
  json fault(const std::string& name, const std::string& action, const json& params = json::object()) const {
    json doc = {{"name", name},
                {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
                {"direction", "egress"},
                {"action", action},
                {"filter", {{"protocol", "udp"}}},
                {"duration", "60s"}};
    if (action == "partition")
      doc["filter"]["cidrs"] = {ab_->b_ip() + "/32"};
    else
      doc[action] = params;
    return doc;
  }
  json percent(const std::string& name, const std::string& action, double p) const {
    return fault(name, action, {{"percent", p}});
  }
  // Police with a bucket of `packets` datagrams, refilling ~9 a second.
  json bucket(const std::string& name, uint64_t packets) const {
    return fault(name, "bandwidth", {{"rate", "8kbit"}, {"buffer", packets * kFrame}, {"mode", "police"}});
  }

  // Adds the two faults, `first` before `second`, and sends `count` datagrams.
  struct Pair {
    UdpRun run;
    CsumErrors rejected;  // growth of the receiver's checksum errors
    double seconds = 0;
  };
  Pair run_pair(const json& first, const json& second, size_t count, uint16_t port) {
    Pair out;
    auto a = engine_->add(spec(first));
    EXPECT_TRUE(a) << a.error().message();
    auto b = engine_->add(spec(second));
    EXPECT_TRUE(b) << b.error().message();
    auto before = CsumErrors::read(*b_);
    EXPECT_TRUE(before) << before.error().message();
    const auto start = std::chrono::steady_clock::now();
    auto run = udp_run(*a_, *b_, ab_->b_ip(), port, count);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(run) << run.error().message();
    auto after = CsumErrors::read(*b_);
    EXPECT_TRUE(after) << after.error().message();
    if (run) out.run = std::move(*run);
    if (before && after) out.rejected = {after->udp - before->udp, after->tcp - before->tcp, after->ip - before->ip};
    EXPECT_EQ(out.run.send_errors, 0u) << "a fault's drop reached the sender";
    EXPECT_EQ(out.run.bad, 0u) << "corrupted data delivered to the application";
    return out;
  }
  void remove(const json& f1, const json& f2) {
    EXPECT_TRUE(engine_->remove(f1["name"].get<std::string>()));
    EXPECT_TRUE(engine_->remove(f2["name"].get<std::string>()));
  }
  // What a bucket of K packets may pass over a run of `seconds`.
  void duplicate_and_corrupt(bool dup_first);
  static void expect_bucket(uint64_t passed, uint64_t k, double seconds) {
    const auto refill = static_cast<uint64_t>(std::ceil(seconds * kRefillBps / kFrame));
    EXPECT_GE(passed, k) << "the bucket starts full";
    EXPECT_LE(passed, k + 2 + refill) << "more than a full bucket and its refill over " << seconds << " s";
  }
};

// loss 50 % + duplicate 50 %, 20,000 datagrams. A datagram's deliveries X
// (original and copy each meet the loss, q = 1 - p_loss):
//   duplicate first: X = B1 + C B2          E = q (1 + p_dup)
//   loss first:      X = B1 (1 + C B2)      E = q (1 + p_dup q)
// (the copy is made only of an original that passed the loss, and meets the
// loss again when it re-enters the hook). B1, B2 ~ Bernoulli(q), C ~
// Bernoulli(p_dup), independent; Var from E[X^2] (B^2 = B, (1 + C B2)^2 =
// 1 + 3 C B2).
TEST_F(ChaosPairsTest, DuplicateAndLossMeetEachCopyIndependently) {
  const double q = 0.5, pd = 0.5, n = kStat;
  for (bool dup_first : {true, false}) {
    SCOPED_TRACE(dup_first ? "duplicate first" : "loss first");
    const json dup = percent("dup", "duplicate", 50), lossy = percent("lossy", "loss", 50);
    auto p = dup_first ? run_pair(dup, lossy, kStat, 7201) : run_pair(lossy, dup, kStat, 7202);
    const double mean = dup_first ? q * (1 + pd) : q * (1 + pd * q);
    const double ex2 = dup_first ? q + pd * q : q * (1 + 3 * pd * q);
    expect_near_mean(static_cast<double>(p.run.datagrams), n * mean, n * (ex2 - mean * mean), "datagrams received");
    const auto d = counters("dup"), l = counters("lossy");
    EXPECT_EQ(l.passed, p.run.datagrams) << "every datagram the loss passed arrived";
    EXPECT_EQ(l.passed + l.dropped, kStat + d.duplicated) << "the loss met every original and every copy";
    EXPECT_EQ(d.passed, dup_first ? kStat : p.run.received) << "originals that reached the duplicate fault";
    expect_binomial(d.duplicated, d.passed, pd, "copies");
    remove(dup, lossy);
  }
}

// Two duplicate faults: each picks the original on its own, a copy is never
// copied again, so 100 % + 100 % is exactly 3 datagrams per original and
// 50 % + 50 % is N + Binomial(N, 0.5) + Binomial(N, 0.5).
TEST_F(ChaosPairsTest, TwoDuplicatesEachCopyOnlyTheOriginal) {
  struct Row {
    double p;
    size_t n;
  };
  uint16_t port = 7210;
  for (const Row& row : {Row{100, 2000}, Row{50, kStat}}) {
    SCOPED_TRACE(row.p);
    const json d1 = percent("dup1", "duplicate", row.p), d2 = percent("dup2", "duplicate", row.p);
    auto p = run_pair(d1, d2, row.n, port++);
    const auto c1 = counters("dup1"), c2 = counters("dup2");
    EXPECT_EQ(p.run.received, row.n);
    EXPECT_EQ(p.run.datagrams, row.n + c1.duplicated + c2.duplicated) << "every copy counted once, and arrived";
    EXPECT_EQ(c1.passed, row.n);
    EXPECT_EQ(c2.passed, row.n) << "the second fault saw the originals only";
    if (row.p == 100) {
      EXPECT_EQ(p.run.datagrams, 3 * row.n);
    } else {
      expect_binomial(c1.duplicated, row.n, row.p / 100, "first fault's copies");
      expect_binomial(c2.duplicated, row.n, row.p / 100, "second fault's copies");
    }
    remove(d1, d2);
  }
}

// duplicate 50 % + corrupt 50 %: the corrupt fault meets N + D packets (the
// copies too) and picks each on its own; every corrupted one is rejected by
// the receiver (offloaded checksum: the IPv4 header checksum), the rest
// arrive intact. A sequence number is missing when its original is
// corrupted and it had no copy or the copy was corrupted too:
// P = p_c (1 - p_d) + p_d p_c^2 = 0.375.
void ChaosPairsTest::duplicate_and_corrupt(bool dup_first) {
  const double pd = 0.5, pc = 0.5;
  const json dup = percent("dup", "duplicate", 50), bad = percent("bad", "corrupt", 50);
  auto p = dup_first ? run_pair(dup, bad, kStat, 7221) : run_pair(bad, dup, kStat, 7222);
  const auto d = counters("dup"), c = counters("bad");
  expect_binomial(d.duplicated, kStat, pd, "copies");
  EXPECT_EQ(c.passed + c.corrupted, kStat + d.duplicated) << "the corrupt fault met every original and copy";
  expect_binomial(c.corrupted, kStat + d.duplicated, pc, "corrupted");
  EXPECT_EQ(p.rejected.total(), c.corrupted) << "every corrupted packet rejected by the receiver";
  EXPECT_EQ(p.run.datagrams, kStat + d.duplicated - c.corrupted);
  expect_binomial(kStat - p.run.received, kStat, pc * (1 - pd) + pd * pc * pc, "sequence numbers missing");
  remove(dup, bad);
}

TEST_F(ChaosPairsTest, DuplicateThenCorruptPicksOriginalAndCopyIndependently) { duplicate_and_corrupt(true); }

// Found a defect: when corrupt acted at its place in the order, a copy was
// a clone of the already corrupted original and was picked again (20,000
// datagrams: 14,983 counted corrupted, 17,374 rejected by the receiver).
TEST_F(ChaosPairsTest, CorruptThenDuplicatePicksOriginalAndCopyIndependently) {
  duplicate_and_corrupt(false);
}

// duplicate 100 % + partition: partition drops the original and the copy
// (the copy re-enters the hook and meets it); partition first drops the
// original before the duplicate fault sees it, so nothing is copied.
TEST_F(ChaosPairsTest, DuplicateAndPartitionDropEverything) {
  constexpr size_t kN = 1000;
  for (bool dup_first : {true, false}) {
    SCOPED_TRACE(dup_first ? "duplicate first" : "partition first");
    const json dup = percent("dup", "duplicate", 100), cut = fault("cut", "partition");
    auto p = dup_first ? run_pair(dup, cut, kN, 7231) : run_pair(cut, dup, kN, 7232);
    EXPECT_EQ(p.run.datagrams, 0u);
    const auto d = counters("dup"), c = counters("cut");
    EXPECT_EQ(d.duplicated, dup_first ? kN : 0u);
    EXPECT_EQ(c.dropped, dup_first ? 2 * kN : kN) << "the partition dropped every packet it met";
    EXPECT_EQ(c.passed, 0u);
    remove(dup, cut);
  }
}

// loss 50 % + corrupt 50 %: a datagram arrives intact with probability
// (1 - p_l)(1 - p_c) = 0.25 and is rejected by the receiver with (1 - p_l)
// p_c = 0.25, whatever the order. Loss first: the corrupt fault meets only
// what the loss passed, and all it corrupts reaches the receiver.
TEST_F(ChaosPairsTest, CorruptAndLossInSeries) {
  const double q = 0.5, pc = 0.5;
  for (bool loss_first : {true, false}) {
    SCOPED_TRACE(loss_first ? "loss first" : "corrupt first");
    const json lossy = percent("lossy", "loss", 50), bad = percent("bad", "corrupt", 50);
    auto p = loss_first ? run_pair(lossy, bad, kStat, 7241) : run_pair(bad, lossy, kStat, 7242);
    const auto l = counters("lossy"), c = counters("bad");
    expect_binomial(p.run.received, kStat, q * (1 - pc), "intact datagrams");
    expect_binomial(p.rejected.total(), kStat, q * pc, "rejected by the receiver");
    EXPECT_EQ(p.run.datagrams, p.run.received) << "no copies here";
    EXPECT_EQ(p.run.received + p.rejected.total(), l.passed) << "what the loss passed reached the receiver";
    EXPECT_EQ(l.passed + l.dropped, kStat) << "the loss met every datagram";
    if (loss_first) {
      EXPECT_EQ(c.passed + c.corrupted, l.passed);
      EXPECT_EQ(c.corrupted, p.rejected.total());
    }
    remove(lossy, bad);
  }
}

// corrupt 50 % + corrupt 50 %: independent picks, and a packet picked by
// both is still corrupted, so the receiver rejects Binomial(N, 0.75), with
// the checksum computed in full (a payload bit) and offloaded (an IPv4
// header checksum bit).
// Found a defect: a packet both faults picked got two bit flips. Full
// checksum: two payload bits at the same position of two 16-bit words,
// flipped in opposite directions, leave the ones' complement sum unchanged
// (153 of 20,000 datagrams reached the application corrupted); offloaded:
// the second flip could undo the first (14,605 rejected, below the
// interval). Now one flip per packet, counted by every fault that picked it.
TEST_F(ChaosPairsTest, TwoCorruptsStillCorrupt) {
  uint16_t port = 7251;
  for (bool full : {true, false}) {
    SCOPED_TRACE(full ? "full checksum" : "offloaded checksum");
    const json c1 = percent("bad1", "corrupt", 50), c2 = percent("bad2", "corrupt", 50);
    ASSERT_TRUE(engine_->add(spec(c1)));
    ASSERT_TRUE(engine_->add(spec(c2)));
    const auto before = CsumErrors::read(*b_);
    ASSERT_TRUE(before);
    auto run = udp_run(*a_, *b_, ab_->b_ip(), port++, kStat, -1, 0, full);
    ASSERT_TRUE(run) << run.error().message();
    const auto after = CsumErrors::read(*b_);
    ASSERT_TRUE(after);
    const uint64_t rejected = after->total() - before->total();
    EXPECT_EQ(run->bad, 0u);
    expect_binomial(rejected, kStat, 1 - 0.5 * 0.5, "rejected by the receiver");
    EXPECT_EQ(run->received, kStat - rejected);
    expect_binomial(counters("bad1").corrupted, kStat, 0.5, "first fault's picks");
    expect_binomial(counters("bad2").corrupted, kStat, 0.5, "second fault's picks");
    remove(c1, c2);
  }
}

// corrupt 100 % + partition: the partition wins, in either order: nothing
// arrives, the receiver rejects nothing, the partition drops every datagram.
TEST_F(ChaosPairsTest, CorruptAndPartitionPartitionWins) {
  constexpr size_t kN = 1000;
  for (bool corrupt_first : {true, false}) {
    SCOPED_TRACE(corrupt_first ? "corrupt first" : "partition first");
    const json bad = percent("bad", "corrupt", 100), cut = fault("cut", "partition");
    auto p = corrupt_first ? run_pair(bad, cut, kN, 7261) : run_pair(cut, bad, kN, 7262);
    EXPECT_EQ(p.run.datagrams, 0u);
    EXPECT_EQ(p.rejected.total(), 0u);
    EXPECT_EQ(counters("cut").dropped, kN);
    if (!corrupt_first) {
      EXPECT_EQ(counters("bad").passed + counters("bad").corrupted, 0u) << "the corrupt fault met nothing";
    }
    remove(bad, cut);
  }
}

// A packet corrupted and then dropped never reaches a receiver, so it is
// not counted as corrupted (as a dropped packet is not counted as delayed):
// corrupt 100 % first, then a partition: corrupted = 0; corrupt 50 % first,
// then loss 50 %: corrupted = what the receiver rejected.
// Found a defect: corrupt counted at its place in the order, before the
// drop (1,000 of 1,000 counted corrupted behind the partition).
TEST_F(ChaosPairsTest, CorruptThenDropCountsNothingCorrupted) {
  {
    const json bad = percent("bad", "corrupt", 100), cut = fault("cut", "partition");
    run_pair(bad, cut, 1000, 7263);
    EXPECT_EQ(counters("bad").corrupted, 0u) << "a dropped packet counted as corrupted";
    remove(bad, cut);
  }
  const json bad = percent("bad", "corrupt", 50), lossy = percent("lossy", "loss", 50);
  auto p = run_pair(bad, lossy, kStat, 7264);
  EXPECT_EQ(counters("bad").corrupted, p.rejected.total()) << "a dropped packet counted as corrupted";
  remove(bad, lossy);
}

// bandwidth (police, a bucket of 1,500 datagrams) + loss 50 %, 2,000
// datagrams: links in series in the attachment's order.
//   loss first: the bucket meets ~1,000 (< 1,500) and passes them all, so
//     about N (1 - p) = 1,000 arrive;
//   bandwidth first: the bucket passes 1,500 (+ refill) and the loss halves
//     them: about 750 arrive.
TEST_F(ChaosPairsTest, BandwidthAndLossAreLinksInSeries) {
  constexpr size_t kN = 2000, kK = 1500;
  for (bool loss_first : {true, false}) {
    SCOPED_TRACE(loss_first ? "loss first" : "bandwidth first");
    const json lossy = percent("lossy", "loss", 50), bw = bucket("bw", kK);
    auto p = loss_first ? run_pair(lossy, bw, kN, 7271) : run_pair(bw, lossy, kN, 7272);
    const auto l = counters("lossy"), b = counters("bw");
    EXPECT_EQ(p.run.datagrams, loss_first ? b.passed : l.passed) << "the last link's passes arrived";
    if (loss_first) {
      expect_binomial(l.dropped, kN, 0.5, "lost");
      EXPECT_EQ(b.passed, l.passed) << "the bucket met only what the loss passed";
      EXPECT_EQ(b.dropped, 0u) << "fewer than a bucket: nothing policed";
    } else {
      expect_bucket(b.passed, kK, p.seconds);
      EXPECT_EQ(b.passed + b.dropped, kN);
      EXPECT_EQ(l.passed + l.dropped, b.passed) << "the loss met only what the bucket passed";
      expect_binomial(l.dropped, b.passed, 0.5, "lost");
    }
    remove(lossy, bw);
  }
}

// bandwidth + duplicate: a copy is a second packet on the link and pays
// for its bytes. 100 % of 1,000 datagrams through a bucket of 1,000: the
// bucket meets 2,000 and passes one bucket. 50 % through a bucket of 2,000:
// it meets N + Binomial(N, 0.5) (~1,500) and passes them all.
TEST_F(ChaosPairsTest, CopiesPayTheBucket) {
  struct Row {
    double p;
    uint64_t k;
  };
  constexpr size_t kN = 1000;
  uint16_t port = 7281;
  for (const Row& row : {Row{100, 1000}, Row{50, 2000}}) {
    for (bool dup_first : {true, false}) {
      SCOPED_TRACE(fmt::format("duplicate {}% bucket {} {}", row.p, row.k, dup_first ? "duplicate first" : "bandwidth first"));
      const json dup = percent("dup", "duplicate", row.p), bw = bucket("bw", row.k);
      auto p = dup_first ? run_pair(dup, bw, kN, port++) : run_pair(bw, dup, kN, port++);
      const auto d = counters("dup"), b = counters("bw");
      // Bandwidth first, an original the bucket dropped never reaches the
      // duplicate fault: the bucket meets the originals and the copies made.
      EXPECT_EQ(b.passed + b.dropped, kN + d.duplicated) << "the bucket met every original and copy";
      if (dup_first) {
        EXPECT_EQ(d.passed, kN);
      }
      EXPECT_EQ(p.run.datagrams, b.passed);
      if (row.p == 100) {
        EXPECT_EQ(d.duplicated, d.passed);
        expect_bucket(b.passed, row.k, p.seconds);
      } else {
        EXPECT_EQ(d.passed, kN) << "fewer than a bucket: every original passed";
        expect_binomial(d.duplicated, kN, row.p / 100, "copies");
        EXPECT_EQ(b.dropped, 0u) << "fewer than a bucket: nothing policed";
      }
      remove(dup, bw);
    }
  }
}

// bandwidth + corrupt 50 %: corruption changes bytes, not lengths, so the
// bucket passes what it would alone (one bucket of 1,000 of the 1,500);
// each passed datagram arrives intact or is rejected by the receiver, the
// rejected ones Binomial(passed, 0.5).
TEST_F(ChaosPairsTest, CorruptLeavesTheBucketAlone) {
  constexpr size_t kN = 1500, kK = 1000;
  for (bool corrupt_first : {true, false}) {
    SCOPED_TRACE(corrupt_first ? "corrupt first" : "bandwidth first");
    const json bad = percent("bad", "corrupt", 50), bw = bucket("bw", kK);
    auto p = corrupt_first ? run_pair(bad, bw, kN, 7291) : run_pair(bw, bad, kN, 7292);
    const auto c = counters("bad"), b = counters("bw");
    expect_bucket(b.passed, kK, p.seconds);
    EXPECT_EQ(b.passed + b.dropped, kN);
    EXPECT_EQ(p.run.received + p.rejected.total(), b.passed) << "every datagram the bucket passed reached b";
    expect_binomial(p.rejected.total(), b.passed, 0.5, "rejected by the receiver");
    // Corrupt counts only what it corrupted and nothing dropped: first in
    // the order, a datagram it picked and the bucket then dropped is in
    // neither of its counters.
    EXPECT_EQ(c.corrupted, p.rejected.total());
    if (corrupt_first) {
      EXPECT_LE(c.passed + c.corrupted, kN);
    } else {
      EXPECT_EQ(c.passed + c.corrupted, b.passed);
    }
    remove(bad, bw);
  }
}

// bandwidth + partition: everything is dropped. Partition first: the bucket
// meets nothing; bandwidth first: the partition drops what the bucket passed.
TEST_F(ChaosPairsTest, BandwidthAndPartitionDropEverything) {
  constexpr size_t kN = 1500, kK = 1000;
  for (bool cut_first : {true, false}) {
    SCOPED_TRACE(cut_first ? "partition first" : "bandwidth first");
    const json cut = fault("cut", "partition"), bw = bucket("bw", kK);
    auto p = cut_first ? run_pair(cut, bw, kN, 7301) : run_pair(bw, cut, kN, 7302);
    EXPECT_EQ(p.run.datagrams, 0u);
    const auto c = counters("cut"), b = counters("bw");
    if (cut_first) {
      EXPECT_EQ(c.dropped, kN);
      EXPECT_EQ(b.passed + b.dropped, 0u);
    } else {
      expect_bucket(b.passed, kK, p.seconds);
      EXPECT_EQ(b.passed + b.dropped, kN);
      EXPECT_EQ(c.dropped, b.passed);
    }
    remove(cut, bw);
  }
}

// Two bandwidth faults on overlapping traffic are refused (EEXIST), naming
// the fault already there and the reason, and the refused one leaves nothing
// behind: the devices, the pins and the fault list are as after the first.
// With disjoint filters (UDP and TCP) they compose.
TEST_F(ChaosPairsTest, TwoBandwidthFaultsOnOneTrafficAreRefused) {
  ASSERT_TRUE(engine_->add(spec(bucket("bw1", 1000))));
  const std::string a_state = lab_->a_state(), b_state = lab_->b_state();
  const auto pins = fs_->pins();
  auto refused = engine_->add(spec(fault("bw2", "bandwidth", {{"rate", "10mbit"}})));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EEXIST);
  const std::string msg = refused.error().message();
  EXPECT_NE(msg.find("'bw1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("two bandwidth faults"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Composition"), std::string::npos) << msg;
  EXPECT_EQ(engine_->list()["faults"].size(), 1u);
  EXPECT_EQ(lab_->a_state(), a_state);
  EXPECT_EQ(lab_->b_state(), b_state);
  EXPECT_EQ(fs_->pins(), pins);

  auto tcp = fault("bw-tcp", "bandwidth", {{"rate", "10mbit"}});
  tcp["filter"] = {{"protocol", "tcp"}};
  EXPECT_TRUE(engine_->add(spec(tcp))) << "disjoint filters compose";
  EXPECT_TRUE(engine_->remove("bw-tcp"));
  EXPECT_TRUE(engine_->remove("bw1"));
}

}  // namespace
