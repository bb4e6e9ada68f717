#include <gtest/gtest.h>

#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>

#include "net/fq_options.h"
#include "net/netlink_attrs.h"
#include "net/netlink_message.h"

using namespace seismo::net;

TEST(NetlinkMessage, BuildsNestedAttributesThatParseBack) {
  NetlinkMessage msg(RTM_NEWTFILTER, NLM_F_CREATE);
  msg.header<tcmsg>().tcm_ifindex = 9;
  msg.put_string(TCA_KIND, "bpf");
  size_t opts = msg.begin_nested(TCA_OPTIONS);
  msg.put_u32(TCA_BPF_FD, 42);
  msg.put_string(TCA_BPF_NAME, "seismo-fault-3");
  msg.end_nested(opts);
  EXPECT_EQ(msg.size() % 4, 0u);
  EXPECT_EQ(msg.data()->nlmsg_len, msg.size());
  EXPECT_EQ(message_header<tcmsg>(*msg.data()).tcm_ifindex, 9);
  auto attrs = NetlinkAttrs::of<tcmsg>(*msg.data());
  EXPECT_EQ(attrs.string(TCA_KIND), "bpf");
  auto nested = attrs.nested(TCA_OPTIONS);
  EXPECT_EQ(nested.u32(TCA_BPF_FD), 42u);
  EXPECT_EQ(nested.string(TCA_BPF_NAME), "seismo-fault-3");
  EXPECT_FALSE(nested.has(TCA_BPF_FLAGS));
}

TEST(NetlinkAttrs, StopsAtATruncatedAttribute) {
  uint8_t buf[12] = {8, 0, 1, 0, 7, 0, 0, 0, 200, 0, 2, 0};  // second claims 200 bytes
  NetlinkAttrs attrs(buf, sizeof(buf));
  EXPECT_EQ(attrs.u32(1), 7u);
  EXPECT_FALSE(attrs.has(2));
  EXPECT_FALSE(attrs.u32(9));
}

TEST(FqOptions, EncodeDecodeRoundTripAndDefaults) {
  FqOptions fq;
  fq.limit = 40000;
  fq.flow_limit = 12000;
  fq.horizon_us = 2'000'000;
  fq.horizon_drop = false;
  auto back = FqOptions::decode(fq.encode());
  EXPECT_EQ(back.limit, 40000u);
  EXPECT_EQ(back.flow_limit, 12000u);
  EXPECT_EQ(back.horizon_us, 2'000'000u);
  EXPECT_FALSE(back.horizon_drop);
  auto defaults = FqOptions::decode({});
  EXPECT_EQ(defaults.flow_limit, 100u);
  EXPECT_EQ(defaults.horizon_us, 10'000'000u);
}
