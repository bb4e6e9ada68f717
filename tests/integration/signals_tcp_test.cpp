// TCP per cgroup: N connects give N connect-latency observations for the
// connecting cgroup (and N passive opens for the listener's); a tc drop in
// our own namespace makes retransmits that count for the sender's cgroup
// and show in `seismo trace tcp`; resets count on both sides; the
// retransmitted segments of a namespace's sockets add up to its
// TcpRetransSegs.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/netns_peer.h"
#include "support/signals_fixture.h"
#include "support/tc_drop.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

class SignalsTcp : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--probes", "net,tcp"}; }

  void SetUp() override {
    SignalsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto p = NetnsPeer::create("tcp");
    ASSERT_TRUE(p) << p.error().message();
    peer_.emplace(std::move(*p));
    auto cg = TestCgroup::create("sig-listener");
    ASSERT_TRUE(cg) << cg.error().message();
    listener_cg_.emplace(std::move(*cg));
  }

  // A workload server in the peer namespace, in the listener cgroup.
  ChildProcess serve(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {SIGNALS_WORKLOAD_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    auto c = ChildProcess::spawn(argv, {{listener_cg_->full_path() + "/cgroup.procs"}, peer_->netns_path()});
    EXPECT_TRUE(c) << c.error().message();
    EXPECT_TRUE(c->wait_ready());
    return std::move(*c);
  }

  std::optional<NetnsPeer> peer_;
  std::optional<TestCgroup> listener_cg_;
};

// A field of the Tcp: line of /proc/net/snmp in the network namespace at
// `netns_path`, read by a thread that joins it (setns moves only itself).
std::optional<uint64_t> tcp_snmp(const std::string& netns_path, const std::string& field) {
  std::optional<uint64_t> out;
  std::thread([&] {
    int fd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    const int rc = ::setns(fd, CLONE_NEWNET);
    ::close(fd);
    if (rc != 0) return;
    std::ifstream in("/proc/thread-self/net/snmp");
    std::string header, values;
    while (std::getline(in, header) && std::getline(in, values)) {
      if (header.rfind("Tcp:", 0) != 0) continue;
      std::istringstream h(header), v(values);
      std::string name, value;
      while (h >> name && v >> value)
        if (name == field) out = std::stoull(value);
    }
  }).join();
  return out;
}

}  // namespace

TEST_F(SignalsTcp, NConnectsGiveNConnectLatencyObservations) {
  constexpr int kConnects = 25;
  auto sink = serve({"tcp-sink", "5301"});
  auto cg = TestCgroup::create("sig-connect");
  ASSERT_TRUE(cg);
  auto rc = run_in_cgroup(*cg, {SIGNALS_WORKLOAD_PATH, "tcp-connect", peer_->peer_ip(), "5301",
                                std::to_string(kConnects)});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the listener's last accepts

  auto s = scrape();
  const std::map<std::string, std::string> me = {{"cgroup", cg->path()}};
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connect_duration_seconds_count", me), kConnects);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connect_duration_seconds_bucket", {{"cgroup", cg->path()}, {"le", "+Inf"}}),
            kConnects);
  EXPECT_GT(sum_samples(s, "seismo_tcp_connect_duration_seconds_sum", me), 0);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connections_opened_total", {{"cgroup", cg->path()}, {"direction", "active"}}),
            kConnects);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connections_opened_total", {{"cgroup", cg->path()}, {"direction", "passive"}}),
            0);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connect_failures_total", me), 0);
  // Accepted sockets belong to the listener's cgroup, though the handshake
  // completes in softirq context.
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connections_opened_total",
                        {{"cgroup", listener_cg_->path()}, {"direction", "passive"}}),
            kConnects);
  // A veth round trip: well under 65 ms (the 65.5 µs..67 ms buckets).
  double median = median_upper_bound(s, "seismo_tcp_connect_duration_seconds", cg->path());
  EXPECT_GT(median, 0);
  EXPECT_LE(median, 0.068);
  expect_no_losses(s);
}

TEST_F(SignalsTcp, RetransmitsUnderATcDropCountForTheSenderAndAreTraced) {
  auto sink = serve({"tcp-sink", "5302"});
  auto cg = TestCgroup::create("sig-retrans");
  ASSERT_TRUE(cg);
  // `seismo trace tcp` for the sender's cgroup, started before the loss.
  auto trace = std::async(std::launch::async, [&] {
    return run_cli("trace tcp -o json --count 1 --cgroup " + cg->path());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // subscribed

  // Connect, then send 200 kB after 300 ms: by then every packet to the
  // peer is dropped, for 1.5 s (RTO starts at 200 ms: several retransmits).
  auto sender = ChildProcess::spawn(
      {SIGNALS_WORKLOAD_PATH, "tcp-send", peer_->peer_ip(), "5302", "200000", "300"},
      {{cg->full_path() + "/cgroup.procs"}, ""});
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->wait_ready());
  auto drop = TcDrop::install(*peer_);
  ASSERT_TRUE(drop) << drop.error().message();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(drop->remove());
  auto code = sender->wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(*code, 0);

  auto s = scrape();
  EXPECT_GE(sum_samples(s, "seismo_tcp_retransmits_total", {{"cgroup", cg->path()}}), 1);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_retransmits_total", {{"cgroup", listener_cg_->path()}}), 0);
  expect_no_losses(s);

  ASSERT_EQ(trace.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto out = trace.get();
  ASSERT_EQ(out.exit_code, 0) << out.out;
  auto ev = nlohmann::json::parse(out.out.substr(0, out.out.find('\n')));
  EXPECT_EQ(ev["kind"], "tcp_retransmit");
  EXPECT_EQ(ev["cgroup"], cg->path());
  EXPECT_EQ(ev["daddr"], peer_->peer_ip());
  EXPECT_EQ(ev["dport"], 5302);
  EXPECT_EQ(ev["saddr"], peer_->host_ip());
  EXPECT_EQ(ev["family"], "ipv4");
  EXPECT_TRUE(ev["pid"].is_null());
  EXPECT_TRUE(ev["monotonic_ns"].is_number());
}

TEST_F(SignalsTcp, ResetsCountOnBothSides) {
  constexpr int kResets = 3;
  auto cg = TestCgroup::create("sig-reset");
  ASSERT_TRUE(cg);
  // Refused: no listener on that port, the peer's stack answers with a RST
  // (no socket: it counts under the root), the connecting socket receives it.
  auto rc = run_in_cgroup(*cg, {SIGNALS_WORKLOAD_PATH, "tcp-connect", peer_->peer_ip(), "5399",
                                std::to_string(kResets), "refused"});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);
  // A listener that resets every connection it accepts (SO_LINGER 0).
  auto resetter = serve({"tcp-sink", "5303", "reset"});
  auto client_cg = TestCgroup::create("sig-reset-client");
  ASSERT_TRUE(client_cg);
  for (int i = 0; i < kResets; ++i) {
    auto r = run_in_cgroup(*client_cg, {SIGNALS_WORKLOAD_PATH, "tcp-send", peer_->peer_ip(), "5303", "0"});
    ASSERT_TRUE(r);
    ASSERT_EQ(*r, 0);
  }

  auto s = scrape();
  auto resets = [&](const std::string& cgroup, const char* direction) {
    return sum_samples(s, "seismo_tcp_resets_total", {{"cgroup", cgroup}, {"direction", direction}});
  };
  EXPECT_EQ(resets(cg->path(), "received"), kResets);
  EXPECT_EQ(sum_samples(s, "seismo_tcp_connect_failures_total", {{"cgroup", cg->path()}}), kResets);
  EXPECT_EQ(resets(cg->path(), "sent"), 0);
  EXPECT_EQ(resets(listener_cg_->path(), "sent"), kResets);
  EXPECT_EQ(resets(client_cg->path(), "received"), kResets);
  EXPECT_GE(resets("/", "sent"), kResets) << "resets for a port nobody listens on have no owner";
  expect_no_losses(s);
}

// The kernel's TcpRetransSegs counts segments (a GSO skb sent again counts
// all of its segments, a SYN-ACK sent again counts one) and only attempts
// that sent something. The sender here is the only TCP user of the peer
// namespace, so seismo's segments for its cgroup must equal the
// namespace's counter exactly, whatever the load: the drops only decide
// how many there are. One packet in 15 leaving the namespace is lost
// (tc sees GSO super-packets on the veth, so a loss takes many segments
// and their retransmission is a multi-segment skb: counting skbs falls
// short, as the 4-vs-145 report of issue 17 found).
TEST_F(SignalsTcp, RetransmittedSegmentsSumToTheNamespacesTcpRetransSegs) {
  auto cg = TestCgroup::create("sig-rsegs");
  ASSERT_TRUE(cg);
  auto listener = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-sink", "5304"},
                                      {{listener_cg_->full_path() + "/cgroup.procs"}, ""});
  ASSERT_TRUE(listener) << listener.error().message();
  ASSERT_TRUE(listener->wait_ready());
  auto drop = TcDrop::install(*peer_, {.egress = true, .every = 15});
  ASSERT_TRUE(drop) << drop.error().message();
  auto before = tcp_snmp(peer_->netns_path(), "RetransSegs");
  ASSERT_TRUE(before);
  auto sender = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-send", peer_->host_ip(), "5304", "20000000", "0"},
                                    {{cg->full_path() + "/cgroup.procs"}, peer_->netns_path()});
  ASSERT_TRUE(sender) << sender.error().message();
  auto code = sender->wait_exit(std::chrono::seconds(60));
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(*code, 0);
  ASSERT_TRUE(drop->remove());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last FIN/ACK exchange

  auto after = tcp_snmp(peer_->netns_path(), "RetransSegs");
  ASSERT_TRUE(after);
  const double kernel = static_cast<double>(*after - *before);
  auto s = scrape();
  const std::map<std::string, std::string> me = {{"cgroup", cg->path()}};
  const double ours = sum_samples(s, "seismo_tcp_retransmitted_segments_total", me);
  const double skbs = sum_samples(s, "seismo_tcp_retransmits_total", me);
  std::printf("[ measured ] TcpRetransSegs +%.0f, seismo segments %.0f, retransmitted skbs %.0f\n", kernel, ours, skbs);
  EXPECT_GE(kernel, 1);
  EXPECT_EQ(ours, kernel);
  EXPECT_LE(skbs, ours);
  expect_no_losses(s);
}
