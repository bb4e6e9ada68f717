// netem's reorder within a delay fault (docs/faults.md, Reorder), side by
// side with netem on the same kernel: the share of datagrams arriving ahead
// of an earlier one. Needs fq and netem: this host (no fq) skips with the
// reason; the VM tier runs it (vm_chaos_reorder_test_6.12, --no-skips).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "chaos/fault_engine.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "doctor/doctor.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

constexpr size_t kDatagrams = 5000;
constexpr auto kSpacing = std::chrono::microseconds(250);  // 80 in flight at 20 ms: each early one overtakes many
// 99.9% two-sided normal quantile per check: a run makes 8 such checks, so
// together they fail by chance in < 1% of runs.
constexpr double kZ = 3.2905;

struct Arrivals {
  size_t sent = 0;
  std::vector<uint32_t> order;  // sequence numbers in arrival order
  // Datagrams that arrived before some datagram sent earlier (computed from
  // the whole arrival order, so a lost datagram does not count as overtaken).
  [[nodiscard]] size_t early() const {
    size_t n = 0;
    uint32_t later_min = UINT32_MAX;
    for (size_t k = order.size(); k-- > 0;) {
      if (order[k] > later_min) ++n;
      later_min = std::min(later_min, order[k]);
    }
    return n;
  }
};

class ChaosReorderTest : public FaultLabTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
    if (int e = doctor::probe_qdisc("fq"); e != 0)
      GTEST_SKIP() << "this kernel has no fq qdisc (" << std::strerror(e) << "): reorder runs in the VM tier";
    if (int e = doctor::probe_qdisc("netem"); e != 0)
      GTEST_SKIP() << "this kernel has no netem qdisc (" << std::strerror(e) << "): nothing to compare with";
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
    ASSERT_TRUE(engine_ && engine_->fq_available());
  }

  json reorder_fault(const std::string& name, const json& reorder) const {
    return {{"name", name},
            {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
            {"action", "delay"},
            {"delay", {{"latency", "20ms"}, {"reorder", reorder}}},
            {"filter", {{"protocol", "udp"}}},
            {"duration", "60s"}};
  }

  // kDatagrams numbered datagrams a → b, one every kSpacing from one CPU
  // (the gap count and the chain are per CPU, netem's per qdisc).
  Arrivals send_paced(uint16_t port) {
    Arrivals out;
    auto rx = b_->socket(AF_INET, SOCK_DGRAM);
    auto tx = a_->socket(AF_INET, SOCK_DGRAM);
    EXPECT_TRUE(rx && tx);
    if (!rx || !tx) return out;
    int big = 8 << 20;
    ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    timeval tv{0, 200'000};
    ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, ab_->b_ip().c_str(), &addr.sin_addr);
    EXPECT_EQ(::bind(rx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    std::atomic<bool> done{false};
    std::thread sender([&] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(0, &set);
      pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
      auto next = std::chrono::steady_clock::now();
      for (uint32_t seq = 0; seq < kDatagrams; ++seq) {
        char payload[64] = {};
        std::memcpy(payload, &seq, sizeof(seq));
        ::send(tx->get(), payload, sizeof(payload), 0);
        next += kSpacing;
        std::this_thread::sleep_until(next);
      }
      done.store(true);
    });
    out.sent = kDatagrams;
    // Until every datagram came, or 200 ms (10 latencies) pass without one once the sender is done.
    while (out.order.size() < kDatagrams) {
      char buf[64];
      ssize_t n = ::recv(rx->get(), buf, sizeof(buf), 0);
      if (n >= static_cast<ssize_t>(sizeof(uint32_t))) {
        uint32_t seq = 0;
        std::memcpy(&seq, buf, sizeof(seq));
        out.order.push_back(seq);
      } else if (done.load()) {
        break;
      }
    }
    sender.join();
    return out;
  }
};

// The share of datagrams arriving ahead of an earlier one, for ours and for
// `tc qdisc … netem delay 20ms reorder P% gap G` on the same device. Model:
// a candidate comes after gap-1 delayed datagrams and is sent at once with
// P, so the share sent at once is P / (1 + (G-1)P); with 80 datagrams in
// flight every one of them overtakes. Both shares are binomial-ish (a
// renewal process with fewer fluctuations than binomial), so each is held
// to the model within the 99.9% binomial interval of kDatagrams, and the
// two to each other within the 99.9% interval of a difference of two.
TEST_F(ChaosReorderTest, ShareArrivingOutOfOrderMatchesNetem) {
  struct Row {
    double percent;
    uint32_t gap;
  };
  for (Row row : {Row{25, 5}, Row{50, 1}}) {
    SCOPED_TRACE(::testing::Message() << row.percent << "% gap " << row.gap);
    const double p = row.percent / 100.0;
    const double model = p / (1 + (row.gap - 1) * p);
    const double n = kDatagrams;
    const double sd = std::sqrt(model * (1 - model) / n);

    auto added = engine_->add(spec(reorder_fault("ro", {{"percent", row.percent}, {"gap", row.gap}})));
    ASSERT_TRUE(added) << added.error().message();
    Arrivals ours = send_paced(7200);
    auto c = counters("ro");
    ASSERT_TRUE(engine_->remove("ro"));

    const std::string pct = std::to_string(static_cast<int>(row.percent)) + "%";
    auto tc = a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "netem", "delay", "20ms", "reorder",
                        pct, "gap", std::to_string(row.gap)});
    ASSERT_EQ(tc.status, 0) << tc.output;
    Arrivals netem = send_paced(7201);
    ASSERT_EQ(a_->exec({"tc", "qdisc", "del", "dev", ab_->a_name(), "root"}).status, 0);

    ASSERT_GT(ours.order.size(), n * 0.99) << "datagrams lost under our fault";
    ASSERT_GT(netem.order.size(), n * 0.99) << "datagrams lost under netem";
    const double ours_share = static_cast<double>(ours.early()) / static_cast<double>(ours.order.size());
    const double netem_share = static_cast<double>(netem.early()) / static_cast<double>(netem.order.size());
    std::cout << "reorder " << row.percent << "% gap " << row.gap << ": model " << model << ", ours "
              << ours_share << " (counted reordered " << c.reordered << ", delayed " << c.delayed << "), netem "
              << netem_share << "\n";
    EXPECT_NEAR(ours_share, model, kZ * sd);
    EXPECT_NEAR(netem_share, model, kZ * sd);
    EXPECT_NEAR(ours_share, netem_share, kZ * sd * std::sqrt(2.0));
    // Every datagram is counted once: sent at once or delayed.
    EXPECT_EQ(c.reordered + c.delayed, kDatagrams);
    EXPECT_NEAR(static_cast<double>(c.reordered) / n, model, kZ * sd);
  }
}

// Composition (docs/faults.md): partition + delay with reorder on the same
// traffic: every datagram dropped, none counted delayed or reordered.
TEST_F(ChaosReorderTest, PartitionWinsOverADelayWithReorder) {
  ASSERT_TRUE(engine_->add(spec(reorder_fault("ro", {{"percent", 50}}))));
  json cut = {{"name", "cut"},
              {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
              {"action", "partition"},
              {"duration", "60s"}};
  ASSERT_TRUE(engine_->add(spec(cut)));
  auto run = udp_run(*a_, *b_, ab_->b_ip(), 7202, 500);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->received, 0u);
  EXPECT_EQ(counters("ro").delayed + counters("ro").reordered, 0u);
  EXPECT_EQ(counters("cut").dropped, 500u);
}

}  // namespace
