// The bandwidth kind's spec (userspace/chaos/spec_bandwidth.cpp): tc's rate
// units (bit vs BYTE), bounds and hostile values with the field named, the
// canonical JSON round trip, and the kernel encoding.
#include <gtest/gtest.h>

#include <limits>

#include "chaos/fault_encoding.h"
#include "chaos/fault_planner.h"
#include "chaos/fault_spec.h"
#include "chaos/spec_bandwidth.h"
#include "chaos/spec_kinds.h"

using namespace seismo;
using namespace seismo::chaos;
using nlohmann::json;

namespace {

json good_bandwidth(json params = {{"rate", "10mbit"}}) {
  return {{"name", "web-bw"},
          {"target", {{"netns", "web"}}},
          {"action", "bandwidth"},
          {"bandwidth", std::move(params)},
          {"duration", "30s"}};
}

// Expects an EINVAL whose message starts with `field`, and returns it.
std::string field_error(const json& params, const std::string& field) {
  auto r = parse_fault_spec(good_bandwidth(params));
  EXPECT_FALSE(r) << params.dump();
  if (r) return "";
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message().rfind(field + ":", 0), 0u) << "message: " << r.error().message();
  return r.error().message();
}

uint64_t rate_of(const json& v) {
  auto r = parse_rate(v, "bandwidth.rate");
  EXPECT_TRUE(r) << v.dump() << ": " << (r ? "" : r.error().message());
  return r ? *r : 0;
}

}  // namespace

TEST(BandwidthSpec, RateUnitsAreTcsBitsAndBytes) {
  EXPECT_EQ(rate_of("10mbit"), 10'000'000u);
  EXPECT_EQ(rate_of("1gbit"), 1'000'000'000u);
  EXPECT_EQ(rate_of("100kbit"), 100'000u);
  EXPECT_EQ(rate_of("1.5mbit"), 1'500'000u);
  EXPECT_EQ(rate_of("1Mbit"), 1'000'000u);  // tc is case-insensitive; bits are unambiguous
  EXPECT_EQ(rate_of("1kibit"), 1024u);
  // "bps" is BYTES per second in tc and Chaos Mesh: 1mbps is 8 megabits.
  EXPECT_EQ(rate_of("1mbps"), 8'000'000u);
  EXPECT_EQ(rate_of("100kbps"), 800'000u);
  EXPECT_EQ(rate_of("125bps"), 1000u);
  // A bare number is bits per second, as tc reads it.
  EXPECT_EQ(rate_of("5000000"), 5'000'000u);
  EXPECT_EQ(rate_of(json(5000000)), 5'000'000u);
}

TEST(BandwidthSpec, CapitalisedByteUnitsAreRefusedAsAmbiguous) {
  for (const char* r : {"10Mbps", "10MBps", "1Gbps", "100Kbps"}) {
    auto msg = field_error({{"rate", r}}, "bandwidth.rate");
    EXPECT_NE(msg.find("ambiguous"), std::string::npos) << msg;
  }
}

TEST(BandwidthSpec, RateBoundsAndHostileValues) {
  field_error(json::object(), "bandwidth.rate");
  for (const json& bad : {json("0mbit"), json("7bit"), json(0), json(-5), json("-1mbit"), json("101gbit"),
                          json("1e400"), json(1e300), json("nan"), json("inf"), json("10 mbit"), json("mbit"),
                          json("10furlongs"), json("10mb/s"), json(true), json::array({1}), json::object(),
                          json(""), json("1.2.3mbit")})
    field_error({{"rate", bad}}, "bandwidth.rate");
  EXPECT_EQ(rate_of("100gbit"), kMaxRateBps);
  EXPECT_EQ(rate_of("8bit"), 8u);
}

TEST(BandwidthSpec, SizesAreWholeBytesWithinBounds) {
  for (const char* key : {"limit", "buffer"}) {
    const std::string field = std::string("bandwidth.") + key;
    for (const json& bad : {json(0), json(-1), json(1.5), json("100"), json(true),
                            json(2e9), json(std::numeric_limits<double>::quiet_NaN()), json::array()})
      field_error({{"rate", "10mbit"}, {key, bad}}, field);
  }
  auto r = parse_fault_spec(good_bandwidth({{"rate", "10mbit"}, {"limit", 20000}, {"buffer", 10000}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->bandwidth.limit_bytes, 20000u);
  EXPECT_EQ(r->bandwidth.buffer_bytes, 10000u);
}

TEST(BandwidthSpec, DefaultsHoldOneGsoPacketAndScaleWithTheRate) {
  auto slow = parse_fault_spec(good_bandwidth({{"rate", "1mbit"}}));
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->bandwidth.buffer_bytes, 65536u);
  EXPECT_EQ(slow->bandwidth.limit_bytes, 65536u);
  auto fast = parse_fault_spec(good_bandwidth({{"rate", "1gbit"}}));
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->bandwidth.buffer_bytes, 1'250'000u);  // 10 ms at 125 MB/s
  EXPECT_EQ(fast->bandwidth.limit_bytes, 6'250'000u);   // 50 ms
  // A slow rate: the default limit is what fq's 10 s horizon holds.
  auto crawl = parse_fault_spec(good_bandwidth({{"rate", "12345"}}));
  ASSERT_TRUE(crawl) << crawl.error().message();
  EXPECT_EQ(crawl->bandwidth.limit_bytes, 1543u * 10);
}

TEST(BandwidthSpec, LimitBeyondFqsHorizonIsRefused) {
  // 2 MB at 1 mbit/s waits 16 s: fq would drop it at its 10 s horizon.
  auto msg = field_error({{"rate", "1mbit"}, {"limit", 2'000'000}}, "bandwidth.limit");
  EXPECT_NE(msg.find("horizon"), std::string::npos) << msg;
}

TEST(BandwidthSpec, PeakrateNeedsMinburstAUnitAndToBeAboveTheRate) {
  field_error({{"rate", "10mbit"}, {"peakrate", "20mbit"}}, "bandwidth.minburst");
  field_error({{"rate", "10mbit"}, {"minburst", 1500}}, "bandwidth.minburst");
  field_error({{"rate", "10mbit"}, {"peakrate", "10mbit"}, {"minburst", 1500}}, "bandwidth.peakrate");
  auto msg = field_error({{"rate", "10mbit"}, {"peakrate", 1000000}, {"minburst", 1500}}, "bandwidth.peakrate");
  EXPECT_NE(msg.find("unit"), std::string::npos) << msg;
  field_error({{"rate", "10mbit"}, {"peakrate", "20mbit"}, {"minburst", 0}}, "bandwidth.minburst");
  auto r = parse_fault_spec(good_bandwidth({{"rate", "10mbit"}, {"peakrate", "20mbit"}, {"minburst", 1514}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->bandwidth.peakrate_bps, 20'000'000u);
  EXPECT_EQ(r->bandwidth.minburst_bytes, 1514u);
}

TEST(BandwidthSpec, ModeAndUnknownKeys) {
  field_error({{"rate", "10mbit"}, {"mode", "throttle"}}, "bandwidth.mode");
  field_error({{"rate", "10mbit"}, {"mode", 1}}, "bandwidth.mode");
  field_error({{"rate", "10mbit"}, {"burst", 1}}, "bandwidth.burst");
  auto r = parse_fault_spec(good_bandwidth({{"rate", "10mbit"}, {"mode", "police"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bandwidth.mode, BandwidthMode::police);
}

TEST(BandwidthSpec, CanonicalJsonRoundTrips) {
  for (const json& params :
       {json{{"rate", "100kbps"}, {"limit", 100}, {"buffer", 10000}, {"peakrate", "1mbps"}, {"minburst", 1000000}},
        json{{"rate", "12345"}}, json{{"rate", "1gbit"}, {"mode", "shape"}}}) {
    auto a = parse_fault_spec(good_bandwidth(params));
    ASSERT_TRUE(a) << a.error().message();
    json canon = to_json(*a);
    auto b = parse_fault_spec(canon);
    ASSERT_TRUE(b) << canon.dump() << ": " << b.error().message();
    EXPECT_EQ(to_json(*b), canon);
    EXPECT_EQ(b->bandwidth.rate_bps, a->bandwidth.rate_bps);
    EXPECT_EQ(b->bandwidth.peakrate_bps, a->bandwidth.peakrate_bps);
  }
  auto c = parse_fault_spec(good_bandwidth({{"rate", "100kbps"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(to_json(*c)["bandwidth"]["rate"], "800kbit");
}

TEST(BandwidthSpec, EncodesBytesPerSecondAndTheShapeFlag) {
  auto r = parse_fault_spec(
      good_bandwidth({{"rate", "10mbit"}, {"limit", 20000}, {"buffer", 10000}, {"peakrate", "20mbit"},
                      {"minburst", 1514}, {"mode", "shape"}}));
  ASSERT_TRUE(r);
  fault_cfg cfg = encode_fault_cfg(*r, 123, 4);
  EXPECT_EQ(cfg.action, uint32_t{SEISMO_FAULT_BANDWIDTH});
  EXPECT_EQ(cfg.rate_Bps, 1'250'000u);
  EXPECT_EQ(cfg.peak_Bps, 2'500'000u);
  EXPECT_EQ(cfg.burst_bytes, 10000u);
  EXPECT_EQ(cfg.limit_bytes, 20000u);
  EXPECT_EQ(cfg.minburst_bytes, 1514u);
  EXPECT_TRUE(cfg.flags & SEISMO_FAULT_F_SHAPE);
  r->bandwidth.mode = BandwidthMode::police;
  EXPECT_FALSE(encode_fault_cfg(*r, 123, 4).flags & SEISMO_FAULT_F_SHAPE);
  // The smallest rate still divides: one byte per second.
  auto slow = parse_fault_spec(good_bandwidth({{"rate", "8bit"}, {"limit", 5}}));
  ASSERT_TRUE(slow) << slow.error().message();
  EXPECT_EQ(encode_fault_cfg(*slow, 1, 1).rate_Bps, 1u);
}

TEST(BandwidthSpec, ModeIsSettledAtAddFromFq) {
  auto r = parse_fault_spec(good_bandwidth());
  ASSERT_TRUE(r);
  FaultSpec shaped = *r, policed = *r;
  ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(shaped, true));
  EXPECT_EQ(shaped.bandwidth.mode, BandwidthMode::shape);
  ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(policed, false));
  EXPECT_EQ(policed.bandwidth.mode, BandwidthMode::police);
  FaultSpec forced = *r;
  forced.bandwidth.mode = BandwidthMode::shape;
  auto refused = FaultPlanner::settle_bandwidth_mode(forced, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EOPNOTSUPP);
  EXPECT_EQ(refused.error().message().rfind("bandwidth.mode:", 0), 0u);
  EXPECT_EQ(bandwidth_mode_status(BandwidthMode::police, false), "policing (no fq)");
  EXPECT_EQ(bandwidth_mode_status(BandwidthMode::shape, true), "shaping (fq)");
  EXPECT_TRUE(FaultPlanner::ingress_at_peer_egress(Action::bandwidth));
}

// A policer passes TCP about one bucket per retransmission timeout (200 ms
// at least), so a policing fault without a buffer gets 200 ms of the rate
// (10 ms buys ~25 % of the rate: docs/faults.md, Bandwidth). Shaping keeps
// 10 ms, and a buffer the user gave is never changed.
TEST(BandwidthSpec, PolicingWithoutABufferGetsTwoHundredMillisecondsOfTheRate) {
  EXPECT_EQ(default_police_buffer_bytes(10'000'000), 250'000u);
  EXPECT_EQ(default_police_buffer_bytes(100'000'000), 2'500'000u);
  EXPECT_EQ(default_police_buffer_bytes(1'000'000), 65536u);  // one GSO packet at least
  EXPECT_EQ(default_police_buffer_bytes(100'000'000'000), kMaxBandwidthBytes);
  for (const char* rate : {"10mbit", "100mbit"}) {
    auto r = parse_fault_spec(good_bandwidth({{"rate", rate}}));
    ASSERT_TRUE(r);
    const uint64_t bps = r->bandwidth.rate_bps;
    FaultSpec shaped = *r, policed = *r, asked = *r;
    ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(shaped, true));
    EXPECT_EQ(shaped.bandwidth.buffer_bytes, default_buffer_bytes(bps));
    ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(policed, false));
    EXPECT_EQ(policed.bandwidth.buffer_bytes, bps / 8 / 5) << rate;
    asked.bandwidth.mode = BandwidthMode::police;
    ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(asked, true));
    EXPECT_EQ(asked.bandwidth.buffer_bytes, bps / 8 / 5) << rate;
    // Settled once: the canonical JSON carries the buffer, and reading it
    // back (a restart) keeps it.
    auto again = parse_fault_spec(good_bandwidth(bandwidth_json(policed.bandwidth)));
    ASSERT_TRUE(again);
    ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(*again, false));
    EXPECT_EQ(again->bandwidth.buffer_bytes, bps / 8 / 5);
  }
  auto given = parse_fault_spec(good_bandwidth({{"rate", "10mbit"}, {"buffer", 10000}, {"mode", "police"}}));
  ASSERT_TRUE(given);
  ASSERT_TRUE(FaultPlanner::settle_bandwidth_mode(*given, false));
  EXPECT_EQ(given->bandwidth.buffer_bytes, 10000u);
}
