// Partition faults against the real kernel, no daemon (docs/faults.md,
// Partition): a TCP connect to the cut peer times out (no RST, no error at
// the sender), a peer outside the filter is untouched, and a connect started
// after the remove call returns succeeds within 100 ms. Plus the pairs of
// kinds that exist here composing on one device (Composition).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>

#include "chaos/fault_engine.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

constexpr const char* kOtherIp = "10.200.0.3";  // a second address on b: another peer
constexpr uint16_t kPort = 7100;

struct ConnectResult {
  bool connected = false;
  int error = 0;  // SO_ERROR / connect's errno: ECONNREFUSED would mean an RST came back
  double ms = 0;
};

// A non-blocking connect from `from` to ip:port, waited for up to `timeout_ms`.
ConnectResult connect_within(const TestNetns& from, const std::string& ip, uint16_t port, int timeout_ms) {
  ConnectResult out;
  auto s = from.socket(AF_INET, SOCK_STREAM);
  if (!s) {
    out.error = s.error().code;
    return out;
  }
  ::fcntl(s->get(), F_SETFL, ::fcntl(s->get(), F_GETFL) | O_NONBLOCK);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  const auto start = std::chrono::steady_clock::now();
  if (::connect(s->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    out.connected = true;
  } else if (errno != EINPROGRESS) {
    out.error = errno;
  } else {
    pollfd p{s->get(), POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) == 1) {
      socklen_t len = sizeof(out.error);
      ::getsockopt(s->get(), SOL_SOCKET, SO_ERROR, &out.error, &len);
      out.connected = out.error == 0;
    }
  }
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

class ChaosPartitionTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    ASSERT_EQ(b_->exec({"ip", "addr", "add", std::string(kOtherIp) + "/24", "dev", ab_->b_name()}).status, 0);
    auto l = b_->socket(AF_INET, SOCK_STREAM);
    ASSERT_TRUE(l) << l.error().message();
    listener_ = std::move(*l);
    int one = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(kPort);
    ASSERT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
    ASSERT_EQ(::listen(listener_.get(), 64), 0);  // the kernel completes handshakes; no accept needed
    ASSERT_TRUE(connect_within(*a_, ab_->b_ip(), kPort, 2000).connected) << "no path before the fault";
    start_engine();
  }

  json partition(const std::string& name, const std::string& direction) const {
    return {{"name", name},
            {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
            {"direction", direction},
            {"action", "partition"},
            {"filter", {{"cidrs", {ab_->b_ip() + "/32"}}}},
            {"duration", "60s"}};
  }

  UniqueFd listener_;
};

}  // namespace

// The cut peer: the connect neither completes nor fails within a timeout
// longer than the first SYN retransmission (1 s), so the SYN and its retry
// were both dropped silently: no RST (ECONNREFUSED), no local error
// (EPERM/ENOBUFS, which a TC_ACT_SHOT at egress would give).
TEST_F(ChaosPartitionTest, ConnectToTheCutPeerTimesOutOtherPeersUnaffected) {
  for (const char* direction : {"egress", "ingress", "both"}) {
    SCOPED_TRACE(direction);
    const std::string name = std::string("cut-") + direction;
    auto r = engine_->add(spec(partition(name, direction)));
    ASSERT_TRUE(r) << r.error().message();
    auto cut = connect_within(*a_, ab_->b_ip(), kPort, 1500);
    EXPECT_FALSE(cut.connected);
    EXPECT_EQ(cut.error, 0) << "the sender saw an error: " << std::strerror(cut.error);
    EXPECT_GE(cut.ms, 1400);  // waited the whole timeout
    auto other = connect_within(*a_, kOtherIp, kPort, 2000);
    EXPECT_TRUE(other.connected) << std::strerror(other.error);
    // egress: the SYN and its retry; ingress: the SYN-ACKs (at least one).
    EXPECT_GE(counters(name).dropped, 1u);
    EXPECT_EQ(counters(name).delayed, 0u);
    ASSERT_TRUE(engine_->remove(name));
  }
}

// Removal: engine_->remove returns after the attachment's slot list no
// longer holds the fault (the map update is synchronous), so the first SYN
// of a connect started after it passes. On veth a connect completes in well
// under a millisecond of work; 100 ms (the bound) leaves room for a
// loaded 2-core machine to deschedule the test. Each of several rounds
// measures from the remove call returning.
TEST_F(ChaosPartitionTest, TrafficFlowsAgainWithin100msOfRemoval) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    ASSERT_TRUE(engine_->add(spec(partition("cut", "both"))));
    EXPECT_FALSE(connect_within(*a_, ab_->b_ip(), kPort, 300).connected);
    ASSERT_TRUE(engine_->remove("cut"));
    auto again = connect_within(*a_, ab_->b_ip(), kPort, 2000);
    EXPECT_TRUE(again.connected) << std::strerror(again.error);
    EXPECT_LT(again.ms, 100);
  }
}

// Pairs of kinds on one device and the same traffic (docs/faults.md,
// Composition): partition with loss and with another partition compose,
// and the packet is dropped whatever the order; the partition counts it.
TEST_F(ChaosPartitionTest, PartitionComposesWithLossAndPartition) {
  ASSERT_TRUE(engine_->add(spec(loss("some-loss", 10, {{"filter", {{"protocol", "udp"}}}}))));
  ASSERT_TRUE(engine_->add(spec(partition("cut", "egress"))));
  ASSERT_TRUE(engine_->add(spec(partition("cut-again", "both"))));
  auto run = udp_run(*a_, *b_, ab_->b_ip(), 7101, 1000);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->received, 0u);
  EXPECT_EQ(run->send_errors, 0u);  // silent for the sender
  // Loss was added first, so it saw every datagram and dropped ~10%; the
  // first partition dropped the rest, the second saw none.
  EXPECT_EQ(counters("some-loss").dropped + counters("cut").dropped, 1000u);
  EXPECT_EQ(counters("cut-again").dropped, 0u);
  auto other = udp_run(*a_, *b_, kOtherIp, 7101, 1000);
  ASSERT_TRUE(other);
  EXPECT_GT(other->received, 800u);  // only the 10% loss: binomial 99% lower bound ~876 of 1000
}
