// Decoding tcp.bpf.c's ring buffer records (no kernel needed).
#include "probes/tcp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>

using namespace seismo;
using namespace seismo::probes;

namespace {
tcp_event record(uint16_t kind) {
  tcp_event e{};
  e.hdr.version = SEISMO_EVENT_VERSION;
  e.hdr.kind = kind;
  e.hdr.size = sizeof(e);
  e.cgroup_id = 42;
  e.ts_ns = 123;
  e.sport = 40000;
  e.dport = 80;
  e.state = 1;
  return e;
}
}  // namespace

TEST(TcpEventDecode, Ipv4RetransmitWithPortsAndState) {
  auto e = record(SEISMO_EVENT_TCP_RETRANSMIT);
  e.family = AF_INET;
  inet_pton(AF_INET, "10.0.0.1", e.saddr);
  inet_pton(AF_INET, "10.0.0.2", e.daddr);
  auto ev = decode_tcp_event(&e, sizeof(e));
  ASSERT_TRUE(ev) << ev.error().message();
  EXPECT_EQ(ev->kind, TcpEventKind::retransmit);
  EXPECT_EQ(ev->family, "ipv4");
  EXPECT_EQ(ev->saddr, "10.0.0.1");
  EXPECT_EQ(ev->daddr, "10.0.0.2");
  EXPECT_EQ(ev->sport, 40000);
  EXPECT_EQ(ev->dport, 80);
  EXPECT_EQ(ev->cgroup_id, 42u);
  EXPECT_STREQ(tcp_state_name(ev->state), "ESTABLISHED");
  EXPECT_STREQ(tcp_event_kind_name(ev->kind), "tcp_retransmit");
}

TEST(TcpEventDecode, Ipv6Resets) {
  for (auto [kind, want] : {std::pair{SEISMO_EVENT_TCP_RESET_SENT, TcpEventKind::reset_sent},
                            std::pair{SEISMO_EVENT_TCP_RESET_RECEIVED, TcpEventKind::reset_received}}) {
    auto e = record(static_cast<uint16_t>(kind));
    e.family = AF_INET6;
    inet_pton(AF_INET6, "fd00::1", e.saddr);
    inet_pton(AF_INET6, "::ffff:10.1.2.3", e.daddr);
    auto ev = decode_tcp_event(&e, sizeof(e));
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->kind, want);
    EXPECT_EQ(ev->family, "ipv6");
    EXPECT_EQ(ev->saddr, "fd00::1");
    EXPECT_EQ(ev->daddr, "::ffff:10.1.2.3");
  }
}

TEST(TcpEventDecode, RejectsShortForeignAndUnknownRecords) {
  auto e = record(SEISMO_EVENT_TCP_RETRANSMIT);
  EXPECT_FALSE(decode_tcp_event(&e, sizeof(e) - 1));
  auto exec_kind = record(SEISMO_EVENT_EXEC);
  auto r = decode_tcp_event(&exec_kind, sizeof(exec_kind));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("kind"), std::string::npos);
  auto old = record(SEISMO_EVENT_TCP_RETRANSMIT);
  old.hdr.version = 99;
  EXPECT_FALSE(decode_tcp_event(&old, sizeof(old)));
}

TEST(TcpStateName, NamesEveryKernelStateAndBoundsTheIndex) {
  EXPECT_STREQ(tcp_state_name(2), "SYN_SENT");
  EXPECT_STREQ(tcp_state_name(7), "CLOSE");
  EXPECT_STREQ(tcp_state_name(12), "NEW_SYN_RECV");
  EXPECT_STREQ(tcp_state_name(200), "UNKNOWN");
}
