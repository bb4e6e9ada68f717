// Guarded faults (docs/faults.md, Guards): budgets counted and compared in
// the kernel, which stops applying the fault once one is passed. Each test
// runs a fault on the sender's veth end (netns a) with a guard, drives the
// counted events from a, and checks the abort (when, which budget, what
// count) and what the fault did after it.
//
// Abort models used below. The count that aborts is compared where it is
// counted, after an atomic add: the CPU whose add makes count > max sees
// max + 1, and CPUs adding at the same moment can see at most one more each,
// so abort_count is in [max + 1, max + ncpu]. Packets the fault touches after
// the crossing are those already past the check in fault__live() on another
// CPU when aborted_ns was set: at most one per other CPU (each CPU runs one
// tc program at a time), i.e. <= ncpu - 1.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

#include "bpf/percpu.h"
#include "chaos/guard.h"
#include "chaos/guard_tracing.h"
#include "chaos/engine_state.h"
#include "chaos/fault_maps.h"
#include "chaos_lab_fixture.h"
#include "fault_holder.h"

namespace seismo::testing {
namespace {

// Segments one retransmitted skb may carry: a 64 KiB GSO skb of 1,448-byte
// segments (the veths' MTU 1500).
constexpr uint64_t kMaxSkbSegments = 65536 / 1448 + 1;


using chaos::GuardBudget;
using nlohmann::json;

class ChaosGuardTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
    ncpu_ = bpf::possible_cpus();
  }

  // A loss fault on a's veth end with one budget (built in C++: the spec's
  // guard: syntax is parsed elsewhere).
  chaos::FaultSpec guarded_loss(const std::string& name, double percent, GuardBudget budget, uint64_t max,
                                const json& extra = json::object()) {
    chaos::FaultSpec s = spec(loss(name, percent, extra));
    s.guard.limits.push_back({budget, max});
    return s;
  }

  void add(const chaos::FaultSpec& s) {
    auto r = engine_->add(s);
    ASSERT_TRUE(r) << r.error().message();
  }

  // Connects from a to a closed port on b `n` times (each refused by a
  // reset, received by a's socket in SYN_SENT).
  size_t hammer_closed_port(size_t n, uint16_t port) {
    size_t refused = 0;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, ab_->b_ip().c_str(), &to.sin_addr);
    for (size_t i = 0; i < n; ++i) {
      auto s = a_->socket(AF_INET, SOCK_STREAM);
      if (!s) continue;
      timeval tv{2, 0};
      setsockopt(s->get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      if (::connect(s->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0 && errno == ECONNREFUSED)
        ++refused;
    }
    return refused;
  }

  unsigned ncpu_ = 1;
};

// 30% loss on a TCP transfer with a retransmit budget of N: the kernel
// aborts the fault at the (N+1)th retransmitted skb the sender's stack
// reports, and the fault then passes everything.
TEST_F(ChaosGuardTest, RetransmitBudgetAbortsLossAndTransferRecovers) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 20;
  add(guarded_loss("guard-rtx", 30, GuardBudget::tcp_retransmits, kBudget));
  EXPECT_TRUE(chaos::guard_tracing_pinned(engine_->pin_dir()));
  // The benchmark's number (docs/faults.md, Measured): ns per TCP event of
  // the guard counters, from BPF run-time statistics.
  UniqueFd run_stats(bpf_enable_stats(BPF_STATS_RUN_TIME));

  // 1 MiB transfers until the abort (at most 20): tc sees GSO packets of up
  // to 64 KiB, and on a loaded machine few large ones may carry a transfer,
  // so one transfer does not always reach the budget.
  TcpRun total;
  chaos::FaultCounters c;
  for (int i = 0; i < 20 && !c.guard.aborted(); ++i) {
    auto run = tcp_run(*a_, *b_, ab_->b_ip(), static_cast<uint16_t>(7301 + 2 * i), 1 << 20);
    ASSERT_TRUE(run) << run.error().message();
    EXPECT_TRUE(run->intact);
    total.retransmits += run->retransmits;
    c = counters("guard-rtx");
  }
  const TcpRun* run = &total;
  ASSERT_TRUE(c.guard.present);
  ASSERT_TRUE(c.guard.aborted()) << "retransmits counted: " << c.guard.counts[2];
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::tcp_retransmits);
  EXPECT_GE(c.guard.abort_count, kBudget + 1);
  // The budget counts retransmitted segments (as TcpRetransSegs does): the
  // event that crosses it adds one retransmitted skb's segments, and each
  // CPU may be adding one at that moment.
  EXPECT_LE(c.guard.abort_count, kBudget + ncpu_ * kMaxSkbSegments);
  // The sender's own count (tcpi_total_retrans) is in segments too.
  EXPECT_GE(run->retransmits, kBudget + 1);
  // Counting goes on after the abort. TCP then only repairs what was lost
  // before it: at most one window, sent again at most once more by a
  // timeout, and under 30% loss the window stays at a few segments (Mathis:
  // 1.22/sqrt(0.3) ~ 2.2 MSS); 64 segments is many times that. A fault still
  // dropping 30% of a 2 MiB transfer (~1450 segments) would cause hundreds.
  const uint64_t rtx = c.guard.counts[static_cast<size_t>(GuardBudget::tcp_retransmits)];
  std::printf("retransmits: %llu segments counted (abort at %llu), %u segments at the sender\n",
              static_cast<unsigned long long>(rtx), static_cast<unsigned long long>(c.guard.abort_count),
              run->retransmits);
  EXPECT_LE(rtx, c.guard.abort_count + 64) << "the fault kept dropping after the abort";
  for (uint32_t id : chaos::guard_tracing_program_ids(engine_->pin_dir())) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (run_stats && fd && bpf_prog_get_info_by_fd(fd.get(), &info, &len) == 0 && info.run_cnt)
      std::printf("guard counter %s: %llu runs, %.0f ns/run\n", info.name,
                  static_cast<unsigned long long>(info.run_cnt),
                  static_cast<double>(info.run_time_ns) / static_cast<double>(info.run_cnt));
  }

  // Aborted: the fault drops nothing of the next transfer, which passes
  // every packet. (Not "no retransmits": on a loaded machine a late ACK
  // makes TCP send tail-loss probes and spurious timeouts of its own.)
  const uint64_t dropped = c.dropped;
  auto again = tcp_run(*a_, *b_, ab_->b_ip(), 7300, 2 << 20);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->intact);
  const auto after = counters("guard-rtx");
  EXPECT_EQ(after.dropped, dropped);
  EXPECT_EQ(after.guard.counts[static_cast<size_t>(GuardBudget::dropped)], dropped);

  ASSERT_TRUE(engine_->remove("guard-rtx"));
  EXPECT_FALSE(chaos::guard_tracing_pinned(engine_->pin_dir())) << "TCP counters left attached";
}

// A dropped-packets budget: counted in the tc program itself. Abort latency
// is measured as the drops after the crossing (dropped - (N + 1)).
TEST_F(ChaosGuardTest, DroppedBudgetAbortsAtTheCrossingPacket) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 100;
  add(guarded_loss("guard-drop", 30, GuardBudget::dropped, kBudget));
  auto run = lab_->udp(4000, 7311);
  ASSERT_TRUE(run) << run.error().message();
  const auto c = counters("guard-drop");
  ASSERT_TRUE(c.guard.aborted());
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::dropped);
  EXPECT_GE(c.guard.abort_count, kBudget + 1);
  EXPECT_LE(c.guard.abort_count, kBudget + ncpu_);
  const uint64_t after = c.dropped - std::min<uint64_t>(c.dropped, kBudget + 1);
  std::printf("abort latency: %llu packet(s) dropped after the crossing (bound %u)\n",
              static_cast<unsigned long long>(after), ncpu_ - 1);
  EXPECT_LE(c.dropped, kBudget + ncpu_) << "drops after the abort";
  EXPECT_EQ(run->received + c.dropped, run->sent);
  EXPECT_EQ(c.guard.counts[0], c.dropped);
}

// A delayed-packets budget (fq: the VM tier; the host has no fq, so delay
// faults are refused there). Counted in the tc program when the stamp is
// set, after every fault of the hook ran; the abort model is the dropped
// budget's: abort_count in [N + 1, N + ncpu], and at most one packet per
// other CPU delayed after the crossing. A delay drops nothing, so every
// datagram arrives, the late ones undelayed.
TEST_F(ChaosGuardTest, DelayedBudgetAbortsAtTheCrossingPacket) {
  if (!lab_ready()) return;
  if (!engine_->fq_available()) GTEST_SKIP() << "no fq qdisc here: delay faults need it (the VM tier)";
  constexpr uint64_t kBudget = 100;
  json doc = loss("guard-delay", 0);
  doc.erase("loss");
  doc["action"] = "delay";
  doc["delay"] = {{"latency", "10ms"}};
  chaos::FaultSpec s = spec(doc);
  s.guard.limits.push_back({GuardBudget::delayed, kBudget});
  add(s);
  auto run = lab_->udp(1000, 7315);
  ASSERT_TRUE(run) << run.error().message();
  const auto c = counters("guard-delay");
  ASSERT_TRUE(c.guard.aborted()) << "delayed counted: " << c.guard.counts[static_cast<size_t>(GuardBudget::delayed)];
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::delayed);
  EXPECT_GE(c.guard.abort_count, kBudget + 1);
  EXPECT_LE(c.guard.abort_count, kBudget + ncpu_);
  const uint64_t after = c.delayed - std::min<uint64_t>(c.delayed, kBudget + 1);
  std::printf("abort latency: %llu packet(s) delayed after the crossing (bound %u); %llu of %llu delayed\n",
              static_cast<unsigned long long>(after), ncpu_ - 1, static_cast<unsigned long long>(c.delayed),
              static_cast<unsigned long long>(run->sent));
  EXPECT_LE(c.delayed, kBudget + ncpu_) << "delays after the abort";
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::delayed)], c.delayed);
  EXPECT_EQ(run->received, run->sent) << "a delay drops nothing";
}

// A resets budget: a client in a hammering a closed port on b through a
// loss fault; every refused connect is a reset a's socket receives.
TEST_F(ChaosGuardTest, ResetsBudgetAbortsOnRefusedConnects) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 50;
  // 1% loss keeps the connects fast (a lost SYN waits 1 s for its retry).
  add(guarded_loss("guard-rst", 1, GuardBudget::tcp_resets, kBudget));
  const size_t refused = hammer_closed_port(120, 7321);
  EXPECT_GE(refused, kBudget + 1);
  const auto c = counters("guard-rst");
  ASSERT_TRUE(c.guard.aborted()) << "resets counted: " << c.guard.counts[3];
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::tcp_resets);
  EXPECT_GE(c.guard.abort_count, kBudget + 1);
  EXPECT_LE(c.guard.abort_count, kBudget + ncpu_);
  // Counting goes on after the abort: every refused connect is there, as a
  // received reset and (SYN_SENT -> CLOSE) a failed connect.
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets_received)], refused);
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets)], refused);
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_connect_failures)], refused);
}

// A guard stops its own fault only: another loss fault on the same device
// keeps dropping, and an unguarded fault has no guard readout.
TEST_F(ChaosGuardTest, GuardNeverStopsAnotherFault) {
  if (!lab_ready()) return;
  add(guarded_loss("guard-own", 50, GuardBudget::dropped, 10, {{"filter", {{"ports", json::array({7331})}}}}));
  add(spec(loss("plain", 50, {{"filter", {{"ports", json::array({7332})}}}})));
  ASSERT_TRUE(lab_->udp(500, 7331));
  auto other = lab_->udp(2000, 7332);
  ASSERT_TRUE(other) << other.error().message();
  EXPECT_TRUE(counters("guard-own").guard.aborted());
  const auto p = counters("plain");
  EXPECT_FALSE(p.guard.present);
  // 50% of 2000 (binomial sd ~22): far above 800 unless stopped.
  EXPECT_GT(p.dropped, 800U);
  EXPECT_EQ(p.dropped + other->received, other->sent);
}

// TCP events of sockets outside the fault's targets (netns b) never count.
TEST_F(ChaosGuardTest, EventsOfNonTargetsDoNotCount) {
  if (!lab_ready()) return;
  add(guarded_loss("guard-a", 1, GuardBudget::tcp_resets, 5));
  // b connects to a closed port on a: b's socket receives the resets, a's
  // stack sends them (with no socket: counted for a's netns, as sent).
  size_t refused = 0;
  for (int i = 0; i < 20; ++i) {
    auto s = b_->socket(AF_INET, SOCK_STREAM);
    ASSERT_TRUE(s);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(7341);
    inet_pton(AF_INET, ab_->a_ip().c_str(), &to.sin_addr);
    if (::connect(s->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0 && errno == ECONNREFUSED)
      ++refused;
  }
  const auto c = counters("guard-a");
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets_received)], 0U);
  EXPECT_EQ(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_connect_failures)], 0U);
  EXPECT_GE(c.guard.counts[static_cast<size_t>(GuardBudget::tcp_resets_sent)], refused);
}


class ChaosGuardRestartTest : public FaultLabTest {};

// With the daemon SIGKILLed before the budget is crossed, the pinned TCP
// counters and the tc check still abort the fault at the crossing; a new
// daemon adopts the fault with its guard and its counters, and removing it
// removes the counters.
TEST_F(ChaosGuardRestartTest, SigkilledDaemonsGuardStillAbortsAndIsAdopted) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 20;
  {
    auto holder = FaultHolder::start(*fs_, loss("killed-guard", 30), "tcpRetransmits=20");
    ASSERT_TRUE(holder) << holder.error().message();
    holder->kill();
  }
  auto state = chaos::load_engine_state(fs_->state_file());
  ASSERT_TRUE(state && *state && (*state)->faults.size() == 1);
  const uint32_t slot = (*state)->faults[0].placement.slot;
  {
    // No daemon: read the pinned maps directly. Transfers until the abort,
    // as in RetransmitBudgetAbortsLossAndTransferRecovers.
    auto maps = chaos::FaultMaps::open(fs_->bpffs() + "/seismo/chaos");  // the engine's default pin_subdir
    ASSERT_TRUE(maps) << maps.error().message();
    chaos::GuardReadout g;
    for (int i = 0; i < 20 && !g.aborted(); ++i) {
      auto run = tcp_run(*a_, *b_, ab_->b_ip(), static_cast<uint16_t>(7351 + i), 1 << 20);
      ASSERT_TRUE(run) << run.error().message();
      EXPECT_TRUE(run->intact);
      g = (*maps)->counters(slot).guard;
    }
    ASSERT_TRUE(g.present);
    ASSERT_TRUE(g.aborted()) << "no abort without seismod";
    EXPECT_EQ(g.abort_budget, GuardBudget::tcp_retransmits);
    EXPECT_GE(g.abort_count, kBudget + 1);
    EXPECT_LE(g.abort_count, kBudget + bpf::possible_cpus() * kMaxSkbSegments);
    // The same model as RetransmitBudgetAbortsLossAndTransferRecovers.
    EXPECT_LE(g.counts[static_cast<size_t>(GuardBudget::tcp_retransmits)], g.abort_count + 64);
  }
  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.adopted, std::vector<std::string>{"killed-guard"});
  EXPECT_EQ(report.guard_tracing, "adopted");
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_TRUE(report.errors.empty()) << fmt::format("{}", fmt::join(report.errors, "; "));
  EXPECT_TRUE(counters("killed-guard").guard.aborted());
  EXPECT_TRUE(chaos::guard_tracing_pinned(engine_->pin_dir()));
  ASSERT_TRUE(engine_->remove("killed-guard"));
  EXPECT_FALSE(chaos::guard_tracing_pinned(engine_->pin_dir()));
}

// A guarded fault that ended while no daemon ran: the restart removes its
// guard, its owners and the TCP counters.
TEST_F(ChaosGuardRestartTest, RestartAfterTheGuardedFaultEndedRemovesTheCounters) {
  if (!lab_ready()) return;
  // Killed right after "ready" (milliseconds), long before the holder's own
  // expiry would remove the fault at 3 s (under load a 1 s fault raced with
  // it); the restart comes after the end.
  // "ready" comes after the add, so the fault ends before ready + 3 s.
  std::chrono::steady_clock::time_point ready;
  {
    auto holder = FaultHolder::start(*fs_, loss("short-guard", 30, {{"duration", "3s"}}), "tcpResets=5");
    ready = std::chrono::steady_clock::now();
    ASSERT_TRUE(holder) << holder.error().message();
    holder->kill();
  }
  std::this_thread::sleep_until(ready + std::chrono::milliseconds(3500));
  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.expired_removed, std::vector<std::string>{"short-guard"});
  EXPECT_EQ(report.guard_tracing, "removed");
  EXPECT_EQ(report.guard_owners_removed, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_TRUE(report.errors.empty()) << fmt::format("{}", fmt::join(report.errors, "; "));
}

}  // namespace
}  // namespace seismo::testing
