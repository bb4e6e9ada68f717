#include <gtest/gtest.h>

#include "chaos/cidr.h"

using namespace seismo::chaos;

TEST(Cidr, ParsesAndClearsHostBits) {
  auto c = Cidr::parse("10.1.2.3/8", "f");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to_string(), "10.0.0.0/8");
  EXPECT_EQ(Cidr::parse("192.168.1.7", "f")->to_string(), "192.168.1.7/32");
  EXPECT_EQ(Cidr::parse("fd00:1:2::9/48", "f")->to_string(), "fd00:1:2::/48");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0", "f")->prefix_len(), 0);
}

TEST(Cidr, MaskBytes) {
  auto m = Cidr::parse("10.0.0.0/12", "f")->mask();
  EXPECT_EQ(m[0], 0xff);
  EXPECT_EQ(m[1], 0xf0);
  EXPECT_EQ(m[2], 0);
  auto m6 = Cidr::parse("fd00::/65", "f")->mask();
  EXPECT_EQ(m6[7], 0xff);
  EXPECT_EQ(m6[8], 0x80);
  EXPECT_EQ(m6[9], 0);
}

TEST(Cidr, ContainsAndOverlaps) {
  auto a = *Cidr::parse("10.0.0.0/8", "f");
  auto b = *Cidr::parse("10.3.0.0/16", "f");
  auto c = *Cidr::parse("11.0.0.0/8", "f");
  auto v6 = *Cidr::parse("::/0", "f");
  EXPECT_TRUE(a.contains(b));
  EXPECT_FALSE(b.contains(a));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(c));
  EXPECT_FALSE(v6.overlaps(a)) << "families never overlap";
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "300.1.1.1", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/8x", "host"}) {
    auto r = Cidr::parse(bad, "filter.cidrs[0]");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message().rfind("filter.cidrs[0]:", 0), 0u);
  }
}
