// Network traffic per cgroup (cgroup_skb): a sender in a test cgroup sends
// a known number of bytes over TCP and UDP to a peer in a network namespace
// of our own; packets and bytes for the sender's cgroup match what was sent
// within the documented header overhead; an idle sibling stays at zero.
#include <cmath>
#include <thread>

#include "support/child_process.h"
#include "support/netns_peer.h"
#include "support/signals_fixture.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

class SignalsNet : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--probes", "net,tcp"}; }
};

std::map<std::string, std::string> dir(const std::string& cgroup, const char* direction) {
  return {{"cgroup", cgroup}, {"direction", direction}};
}

}  // namespace

TEST_F(SignalsNet, CountsBytesAndPacketsOfEachCgroupIdleSiblingStaysZero) {
  constexpr long kTcpBytes = 2'000'000;
  constexpr long kUdpCount = 300, kUdpSize = 1000;
  auto peer = NetnsPeer::create("net");
  ASSERT_TRUE(peer) << peer.error().message();
  auto peer_cg = TestCgroup::create("sig-peer");
  auto tcp_cg = TestCgroup::create("sig-tcp");
  auto udp_cg = TestCgroup::create("sig-udp");
  auto idle_cg = TestCgroup::create("sig-idle");
  ASSERT_TRUE(peer_cg && tcp_cg && udp_cg && idle_cg);

  auto idle = ChildProcess::spawn({"/bin/sleep", "120"}, {{idle_cg->full_path() + "/cgroup.procs"}, ""});
  ASSERT_TRUE(idle);
  SpawnOptions in_peer{{peer_cg->full_path() + "/cgroup.procs"}, peer->netns_path()};
  auto tcp_sink = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-sink", "5201"}, in_peer);
  auto udp_sink = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "udp-sink", "5202"}, in_peer);
  ASSERT_TRUE(tcp_sink && udp_sink);
  ASSERT_TRUE(tcp_sink->wait_ready());
  ASSERT_TRUE(udp_sink->wait_ready());

  auto rc = run_in_cgroup(*tcp_cg, {SIGNALS_WORKLOAD_PATH, "tcp-send", peer->peer_ip(), "5201", std::to_string(kTcpBytes)});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);
  rc = run_in_cgroup(*udp_cg, {SIGNALS_WORKLOAD_PATH, "udp-send", peer->peer_ip(), "5202", std::to_string(kUdpCount),
                               std::to_string(kUdpSize)});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the sink's side of the last datagrams

  auto s = scrape();
  // UDP is exact: one packet per datagram, IPv4 (20) + UDP (8) header each.
  EXPECT_EQ(sum_samples(s, "seismo_network_packets_total", dir(udp_cg->path(), "egress")), kUdpCount);
  EXPECT_EQ(sum_samples(s, "seismo_network_bytes_total", dir(udp_cg->path(), "egress")), kUdpCount * (kUdpSize + 28));
  EXPECT_EQ(sum_samples(s, "seismo_network_packets_total", dir(udp_cg->path(), "ingress")), 0);

  // TCP: payload plus 40-60 B of IPv4+TCP headers per segment (timestamps
  // make 52); segments are at most one MSS (1448 with timestamps on a 1500
  // MTU veth), plus the handshake, FIN and pure ACKs.
  const double tx_packets = sum_samples(s, "seismo_network_packets_total", dir(tcp_cg->path(), "egress"));
  const double tx_bytes = sum_samples(s, "seismo_network_bytes_total", dir(tcp_cg->path(), "egress"));
  const double min_segments = std::ceil(static_cast<double>(kTcpBytes) / 1448);
  EXPECT_GE(tx_packets, min_segments + 2) << "data segments + SYN + FIN";
  EXPECT_LE(tx_packets, min_segments * 1.05 + 10);
  EXPECT_GE(tx_bytes, kTcpBytes + 40 * tx_packets);
  EXPECT_LE(tx_bytes, kTcpBytes + 60 * tx_packets);
  // The sender receives only ACKs (and the sink's FIN): headers, no payload.
  const double rx_packets = sum_samples(s, "seismo_network_packets_total", dir(tcp_cg->path(), "ingress"));
  const double rx_bytes = sum_samples(s, "seismo_network_bytes_total", dir(tcp_cg->path(), "ingress"));
  EXPECT_GE(rx_packets, 2);
  EXPECT_GE(rx_bytes, 40 * rx_packets);
  EXPECT_LE(rx_bytes, 60 * rx_packets);
  // The sink's cgroup (in the other namespace) received it all.
  EXPECT_GE(sum_samples(s, "seismo_network_bytes_total", dir(peer_cg->path(), "ingress")),
            kTcpBytes + kUdpCount * (kUdpSize + 28));

  for (const char* family : {"seismo_network_packets_total", "seismo_network_bytes_total"})
    EXPECT_EQ(sum_samples(s, family, {{"cgroup", idle_cg->path()}}), 0) << family << " of the idle sibling";
  expect_no_losses(s);
  std::printf("tcp: %ld payload bytes -> egress %.0f packets %.0f bytes (%.1f header bytes/packet), ingress %.0f "
              "packets %.0f bytes\n",
              kTcpBytes, tx_packets, tx_bytes, (tx_bytes - kTcpBytes) / tx_packets, rx_packets, rx_bytes);
}
