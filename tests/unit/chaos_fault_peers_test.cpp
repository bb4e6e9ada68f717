// A fault's peer prefixes as the fault_peers trie holds them, and how a
// running fault's peer set changes in place (chaos/fault_peers.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "chaos/fault_encoding.h"
#include "chaos/fault_peers.h"

using namespace seismo;
using namespace seismo::chaos;

namespace {

Cidr cidr(const std::string& text) {
  auto c = Cidr::parse(text, "test");
  EXPECT_TRUE(c) << text;
  return *c;
}

std::vector<std::string> texts(const std::vector<Cidr>& cidrs) {
  std::vector<std::string> out;
  for (const auto& c : cidrs) out.push_back(c.to_string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(FaultPeers, Ipv4IsV4MappedBehindTheSlot) {
  auto key = peer_key(7, cidr("10.1.2.0/24"));
  EXPECT_EQ(key.slot, 7u);
  EXPECT_EQ(key.prefixlen, 32u + 96u + 24u) << "the slot's bits, ::ffff:0:0/96, then the prefix";
  const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 0};
  EXPECT_TRUE(std::equal(std::begin(want), std::end(want), key.addr));
  auto host = peer_key(0, cidr("192.168.0.9"));
  EXPECT_EQ(host.prefixlen, 32u + 128u) << "a bare address is matched whole, as the BPF lookup asks";
  EXPECT_EQ(host.addr[15], 9);
}

TEST(FaultPeers, Ipv6KeepsItsAddress) {
  auto key = peer_key(255, cidr("fd00:1::/32"));
  EXPECT_EQ(key.slot, 255u);
  EXPECT_EQ(key.prefixlen, 32u + 32u);
  EXPECT_EQ(key.addr[0], 0xfd);
  EXPECT_EQ(key.addr[3], 0x01);
  EXPECT_EQ(key.addr[10], 0) << "not v4-mapped";
  EXPECT_EQ(peer_key(1, cidr("::/0")).prefixlen, 32u) << "every IPv6 peer, still only this slot's";
  EXPECT_EQ(peer_key(1, cidr("0.0.0.0/0")).prefixlen, 32u + 96u) << "every IPv4 peer, never an IPv6 one";
}

TEST(FaultPeers, KeysOfTheSamePrefixDifferBySlotOnly) {
  auto a = peer_key(1, cidr("10.0.0.1"));
  auto b = peer_key(2, cidr("10.0.0.1"));
  EXPECT_NE(a.slot, b.slot);
  EXPECT_EQ(a.prefixlen, b.prefixlen);
  EXPECT_TRUE(std::equal(std::begin(a.addr), std::end(a.addr), b.addr));
}

TEST(FaultPeers, DiffAddsTheNewAndRemovesTheGone) {
  // A target pod replaced: 10.0.0.2 left, 10.0.0.9 came; the others stay put.
  auto change = diff_peers({cidr("10.0.0.1"), cidr("10.0.0.2"), cidr("fd00::1")},
                           {cidr("fd00::1"), cidr("10.0.0.9"), cidr("10.0.0.1")});
  EXPECT_EQ(texts(change.added), std::vector<std::string>{"10.0.0.9/32"});
  EXPECT_EQ(texts(change.removed), std::vector<std::string>{"10.0.0.2/32"});
  EXPECT_FALSE(change.empty());
}

TEST(FaultPeers, DiffOfTheSameSetIsEmptyWhateverTheOrderAndRepeats) {
  auto change = diff_peers({cidr("10.0.0.1"), cidr("10.0.0.2")}, {cidr("10.0.0.2"), cidr("10.0.0.1"), cidr("10.0.0.2")});
  EXPECT_TRUE(change.empty());
  EXPECT_TRUE(same_peers({cidr("10.0.0.1"), cidr("10.0.0.2")}, {cidr("10.0.0.2"), cidr("10.0.0.1")}));
  EXPECT_FALSE(same_peers({cidr("10.0.0.1")}, {cidr("10.0.0.1"), cidr("10.0.0.2")}));
}

TEST(FaultPeers, DiffTellsPrefixLengthsAndFamiliesApart) {
  auto change = diff_peers({cidr("10.0.0.0/8")}, {cidr("10.0.0.0/16"), cidr("10.0.0.0/16")});
  EXPECT_EQ(texts(change.added), std::vector<std::string>{"10.0.0.0/16"}) << "a repeated new prefix is added once";
  EXPECT_EQ(texts(change.removed), std::vector<std::string>{"10.0.0.0/8"});
  auto fam = diff_peers({cidr("::ffff:10.0.0.1")}, {cidr("10.0.0.1")});
  EXPECT_EQ(fam.added.size(), 1u);
  EXPECT_EQ(fam.removed.size(), 1u);
}

TEST(FaultPeers, DiffFromAndToNothing) {
  std::vector<Cidr> many;
  for (int i = 0; i < 1000; ++i) many.push_back(cidr("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)));
  auto grow = diff_peers({}, many);
  EXPECT_EQ(grow.added.size(), 1000u);
  EXPECT_TRUE(grow.removed.empty());
  auto shrink = diff_peers(many, {});
  EXPECT_EQ(shrink.removed.size(), 1000u);
  EXPECT_TRUE(shrink.added.empty());
}

TEST(FaultPeers, ConfigOnlyFlagsThatThereIsAPeerSet) {
  FaultSpec s;
  s.action = Action::loss;
  s.loss = {10, 0};
  EXPECT_EQ(encode_fault_cfg(s, 1, 1).has_peers, 0) << "no filter.cidrs: every peer";
  for (int i = 0; i < 40; ++i) s.filter.cidrs.push_back(cidr("10.9.0." + std::to_string(i)));
  EXPECT_EQ(encode_fault_cfg(s, 1, 1).has_peers, 1) << "more than the old inline 4 is one flag";
}
