// Guards by target and over time (docs/faults.md, Guards): a guard on a
// target.by: socket fault counts only its cgroup's sockets; a window holds
// a budget per window, not over the lifetime; the owner entries follow the
// fault's targets; and the abort latency of a TCP budget, in packets the
// fault touched after the crossing. The events counted are resets: a
// connect to a closed port is refused by exactly one reset, received by the
// connecting socket, so counts are exact.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "bpf/percpu.h"
#include "cgroup/mountinfo.h"
#include "chaos/engine_state.h"
#include "chaos/fault_maps.h"
#include "chaos/guard.h"
#include "chaos/target_resolver.h"
#include "chaos_lab_fixture.h"
#include "net/netns.h"
#include "sequenced_flood.h"
#include "support/test_cgroup.h"

namespace seismo::testing {
namespace {

using chaos::GuardBudget;
using nlohmann::json;

constexpr size_t kResets = static_cast<size_t>(GuardBudget::tcp_resets);
constexpr size_t kResetsReceived = static_cast<size_t>(GuardBudget::tcp_resets_received);

uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns()'s clock
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

sockaddr_in address(const std::string& ip, uint16_t port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
  return to;
}

// Connects from `from` to a closed port `n` times; how many were refused
// (each by one reset that the connecting socket receives).
size_t refused_connects(const TestNetns& from, const std::string& ip, uint16_t port, size_t n) {
  const sockaddr_in to = address(ip, port);
  size_t refused = 0;
  for (size_t i = 0; i < n; ++i) {
    auto s = from.socket(AF_INET, SOCK_STREAM);
    if (!s) continue;
    if (::connect(s->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0 && errno == ECONNREFUSED)
      ++refused;
  }
  return refused;
}

// A child process in cgroup `cg` and netns `netns_fd` (so the cgroup has
// a process: a by-socket fault finds its netns through one) that connects
// to ip:port on order, from sockets made after it joined both. Only raw
// syscalls after fork: the test process has threads.
class ConnectWorker {
 public:
  static std::optional<ConnectWorker> start(const TestCgroup& cg, int netns_fd, const std::string& ip, uint16_t port) {
    const std::string procs = cg.full_path() + "/cgroup.procs";
    const sockaddr_in to = address(ip, port);
    int orders[2], replies[2];
    if (::pipe2(orders, O_CLOEXEC) != 0) return std::nullopt;
    if (::pipe2(replies, O_CLOEXEC) != 0) {
      ::close(orders[0]);
      ::close(orders[1]);
      return std::nullopt;
    }
    pid_t pid = ::fork();
    if (pid == 0) serve(procs.c_str(), netns_fd, to, orders[0], replies[1]);
    ::close(orders[0]);
    ::close(replies[1]);
    ConnectWorker w(pid, orders[1], replies[0]);
    uint32_t ready = 0;
    if (pid < 0 || ::read(w.in_, &ready, sizeof(ready)) != sizeof(ready) || ready != 1) return std::nullopt;
    return w;
  }
  ConnectWorker(ConnectWorker&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)), out_(std::exchange(o.out_, -1)), in_(std::exchange(o.in_, -1)) {}
  ConnectWorker& operator=(ConnectWorker&&) = delete;
  ~ConnectWorker() {
    if (out_ >= 0) ::close(out_);  // the child's read ends: it exits
    if (in_ >= 0) ::close(in_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Connects n times; how many were refused.
  size_t refused(uint32_t n) {
    uint32_t got = 0;
    if (::write(out_, &n, sizeof(n)) != sizeof(n) || ::read(in_, &got, sizeof(got)) != sizeof(got)) return 0;
    return got;
  }

 private:
  ConnectWorker(pid_t pid, int out, int in) : pid_(pid), out_(out), in_(in) {}
  [[noreturn]] static void serve(const char* procs, int netns_fd, sockaddr_in to, int in, int out) {
    int fd = ::open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1 || ::setns(netns_fd, CLONE_NEWNET) != 0) _exit(1);
    ::close(fd);
    uint32_t n = 1;
    if (::write(out, &n, sizeof(n)) != sizeof(n)) _exit(1);
    while (::read(in, &n, sizeof(n)) == sizeof(n)) {
      uint32_t refused = 0;
      for (uint32_t i = 0; i < n; ++i) {
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) continue;
        if (::connect(s, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0 && errno == ECONNREFUSED) ++refused;
        ::close(s);
      }
      if (::write(out, &refused, sizeof(refused)) != sizeof(refused)) _exit(1);
    }
    _exit(0);
  }
  pid_t pid_;
  int out_;
  int in_;
};

class ChaosGuardTargetTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    start_engine();
  }

  // A loss fault on a's veth end that drops only UDP to port 9 (nothing
  // the tests send), so TCP's connects pass; guarded by `limits`.
  chaos::FaultSpec guarded(json doc, std::vector<chaos::GuardLimit> limits, uint64_t window_ns = 0) {
    doc["filter"] = {{"protocol", "udp"}, {"ports", json::array({9})}};
    chaos::FaultSpec s = spec(doc);
    s.guard.limits = std::move(limits);
    s.guard.window_ns = window_ns;
    return s;
  }
  void add(const chaos::FaultSpec& s) {
    auto r = engine_->add(s);
    ASSERT_TRUE(r) << r.error().message();
  }
  // The fault's slot, from the engine's state file.
  uint32_t slot_of(const std::string& name) {
    auto state = chaos::load_engine_state(fs_->state_file());
    EXPECT_TRUE(state && *state);
    if (!state || !*state) return UINT32_MAX;
    for (const auto& f : (*state)->faults)
      if (f.spec.value("name", "") == name) return f.placement.slot;
    ADD_FAILURE() << "no fault " << name << " in the state file";
    return UINT32_MAX;
  }
  std::unique_ptr<chaos::FaultMaps> maps() {
    auto m = chaos::FaultMaps::open(engine_->pin_dir());
    EXPECT_TRUE(m) << m.error().message();
    return m ? std::move(*m) : nullptr;
  }
  // The owner entries that list `slot` (pinned fault_guard_owners).
  std::vector<fault_guard_owner_key> owners_of(uint32_t slot) {
    std::vector<fault_guard_owner_key> out;
    auto m = maps();
    if (!m) return out;
    for (const auto& [key, owner] : m->guard_owners())
      if (std::find(owner.slots, owner.slots + std::min<uint32_t>(owner.count, SEISMO_FAULTS_PER_ATTACH), slot) !=
          owner.slots + std::min<uint32_t>(owner.count, SEISMO_FAULTS_PER_ATTACH))
        out.push_back(key);
    return out;
  }
  static uint64_t netns_inode(const TestNetns& ns) {
    auto n = net::Netns::by_name(ns.name());
    return n ? n->inode() : 0;
  }
};

}  // namespace

// (a) A resets budget on a target.by: socket fault counts the sockets of
// its cgroup only: a second cgroup in the same netns, and the test process
// there, refused as often, leave the count at 0; the target's own refused
// connects are counted one each and abort at the budget's crossing (exact:
// one process, one reset at a time).
TEST_F(ChaosGuardTargetTest, CgroupGuardCountsOnlyTheTargetCgroupsSockets) {
  if (!lab_ready()) return;
  auto mount = cgroup::find_mount("cgroup2");
  if (!mount) GTEST_SKIP() << "no cgroup2 mount: " << mount.error().message();
  auto target_cg = TestCgroup::create("guard-target");
  auto other_cg = TestCgroup::create("guard-other");
  ASSERT_TRUE(target_cg && other_cg);
  auto target = ConnectWorker::start(*target_cg, a_->fd(), ab_->b_ip(), 7401);
  auto other = ConnectWorker::start(*other_cg, a_->fd(), ab_->b_ip(), 7401);
  ASSERT_TRUE(target && other);
  constexpr uint64_t kBudget = 5;
  json doc = loss("guard-cg", 100);
  doc["target"] = {{"cgroup", target_cg->path()}, {"by", "socket"}, {"interface", ab_->a_name()}};
  doc["direction"] = "egress";
  add(guarded(doc, {{GuardBudget::tcp_resets, kBudget}}));
  EXPECT_EQ(owners_of(slot_of("guard-cg")).size(), 1u);

  EXPECT_EQ(other->refused(20), 20u);
  EXPECT_EQ(refused_connects(*a_, ab_->b_ip(), 7401, 20), 20u);
  auto c = counters("guard-cg");
  ASSERT_TRUE(c.guard.present);
  EXPECT_EQ(c.guard.counts[kResets], 0u) << "another cgroup's resets counted";
  EXPECT_FALSE(c.guard.aborted());

  EXPECT_EQ(target->refused(kBudget), kBudget);
  c = counters("guard-cg");
  EXPECT_EQ(c.guard.counts[kResetsReceived], kBudget);
  EXPECT_FALSE(c.guard.aborted()) << "aborted at the budget, not past it";
  EXPECT_EQ(other->refused(10), 10u);
  EXPECT_EQ(target->refused(1), 1u);
  c = counters("guard-cg");
  ASSERT_TRUE(c.guard.aborted()) << "resets counted: " << c.guard.counts[kResets];
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::tcp_resets);
  EXPECT_EQ(c.guard.abort_count, kBudget + 1);
  EXPECT_EQ(c.guard.counts[kResets], kBudget + 1);
  ASSERT_TRUE(engine_->remove("guard-cg"));
}

// (b) guard.window: a budget holds per sliding window, estimated from two
// fixed windows as prev * (1 - elapsed / W) + current. Refused connects at
// least W/2 apart put at most 2 in any fixed window, so the estimate stays
// <= 2 + 2 = 4 <= the budget 5 however they fall, while 10 of them pass the
// same budget over the lifetime (a second fault without a window on the
// same netns aborts at the 6th). Then, after a quiet spell of two windows
// (the previous window empty), a burst of 6 starting just past a window
// boundary (the boundaries are the fault's start + k W, read from the
// pinned guard) aborts at its 6th reset, count exactly 6.
TEST_F(ChaosGuardTargetTest, WindowHoldsTheBudgetPerWindowAndABurstInOneWindowAborts) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 5;
  constexpr uint64_t kWindowNs = 500'000'000;
  add(guarded(loss("guard-window", 100), {{GuardBudget::tcp_resets, kBudget}}, kWindowNs));
  add(guarded(loss("guard-lifetime", 100), {{GuardBudget::tcp_resets, kBudget}}));
  const uint32_t slot = slot_of("guard-window");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(refused_connects(*a_, ab_->b_ip(), 7411, 1), 1u);
    std::this_thread::sleep_for(std::chrono::nanoseconds(kWindowNs / 2));
  }
  auto c = counters("guard-window");
  EXPECT_FALSE(c.guard.aborted()) << "aborted with at most 2 resets per window: " << c.guard.abort_count;
  const auto lifetime = counters("guard-lifetime");
  ASSERT_TRUE(lifetime.guard.aborted()) << "10 resets did not pass the budget over the lifetime";
  EXPECT_EQ(lifetime.guard.abort_count, kBudget + 1);

  auto m = maps();
  ASSERT_TRUE(m);
  auto g = m->read_guard(slot);
  ASSERT_TRUE(g) << g.error().message();
  ASSERT_EQ(g->window_ns, kWindowNs);
  // The current window is the last reset's; two windows on, the burst's
  // fixed window has an empty previous one.
  const uint64_t boundary = g->window_start_ns + 2 * kWindowNs;
  const uint64_t now = monotonic_ns();
  if (boundary + 10'000'000 > now)
    std::this_thread::sleep_for(std::chrono::nanoseconds(boundary + 10'000'000 - now));
  const uint64_t burst_start = monotonic_ns();
  EXPECT_EQ(refused_connects(*a_, ab_->b_ip(), 7411, kBudget + 1), kBudget + 1);
  const uint64_t burst_ns = monotonic_ns() - burst_start;
  ASSERT_LT(burst_start + burst_ns, boundary + kWindowNs) << "the burst ran past its window: " << burst_ns << " ns";
  c = counters("guard-window");
  std::printf("window %llu ms: burst of %llu resets in %.1f ms, %s at %llu\n",
              static_cast<unsigned long long>(kWindowNs / 1'000'000), static_cast<unsigned long long>(kBudget + 1),
              static_cast<double>(burst_ns) / 1e6, c.guard.aborted() ? "aborted" : "NOT aborted",
              static_cast<unsigned long long>(c.guard.counts[kResets]));
  ASSERT_TRUE(c.guard.aborted()) << "a burst of budget + 1 in one window; counted " << c.guard.counts[kResets];
  EXPECT_EQ(c.guard.abort_budget, GuardBudget::tcp_resets);
  EXPECT_EQ(c.guard.abort_count, kBudget + 1);
}

// (c) The owner entries follow the fault's targets. A target that leaves
// the fault (a pod leaving the selector: the pod follower retracts its
// attachments, as here) takes its netns's entry with it, so its sockets'
// events no longer count, while the remaining target's still do; removing
// the fault leaves no entry listing its slot (read from the pinned map,
// kept loaded by an unguarded fault beside it).
TEST_F(ChaosGuardTargetTest, OwnerEntriesFollowTheTargetsAndGoWithTheFault) {
  if (!lab_ready()) return;
  add(spec(loss("keeper", 100, {{"filter", {{"protocol", "udp"}, {"ports", json::array({9})}}}})));
  add(guarded(loss("guard-own", 100), {{GuardBudget::tcp_resets, 1000}}));
  const uint32_t slot = slot_of("guard-own");
  const uint64_t a_ino = netns_inode(*a_), b_ino = netns_inode(*b_);
  auto inodes = [&] {
    std::vector<uint64_t> v;
    for (const auto& k : owners_of(slot)) {
      EXPECT_EQ(k.kind, static_cast<uint32_t>(SEISMO_GUARD_OWNER_NETNS));
      v.push_back(k.id);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(inodes(), std::vector<uint64_t>{a_ino});

  auto b_netns = net::Netns::by_name(b_->name());
  ASSERT_TRUE(b_netns) << b_netns.error().message();
  std::vector<chaos::Endpoint> pod;
  pod.push_back({std::move(*b_netns), ab_->b_name(), "pod test/b", "uid-b", "test/b", std::nullopt});
  auto extended = engine_->extend("guard-own", std::move(pod));
  ASSERT_TRUE(extended) << extended.error().message();
  std::vector<uint64_t> both{a_ino, b_ino};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(inodes(), both);
  EXPECT_EQ(refused_connects(*b_, ab_->a_ip(), 7421, 5), 5u);
  EXPECT_EQ(counters("guard-own").guard.counts[kResetsReceived], 5u) << "the extended target's resets";

  auto dropped = engine_->retract("guard-own", "uid-b");
  ASSERT_TRUE(dropped) << dropped.error().message();
  EXPECT_EQ(*dropped, 1u);
  EXPECT_EQ(inodes(), std::vector<uint64_t>{a_ino}) << "the retracted target's netns is still an owner";
  EXPECT_EQ(refused_connects(*b_, ab_->a_ip(), 7421, 5), 5u);
  EXPECT_EQ(counters("guard-own").guard.counts[kResetsReceived], 5u) << "a retracted target's resets counted";
  EXPECT_EQ(refused_connects(*a_, ab_->b_ip(), 7421, 5), 5u);
  EXPECT_EQ(counters("guard-own").guard.counts[kResetsReceived], 10u) << "the remaining target's resets";

  ASSERT_TRUE(engine_->remove("guard-own"));
  auto m = maps();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->guard_owners().empty()) << "owner entries left after the only guarded fault went";
  ASSERT_TRUE(engine_->remove("keeper"));
}

// (d) Abort latency of a TCP budget, in packets: a 100 % loss on a UDP
// flood that ncpu - 1 threads send from a as fast as they can, guarded by
// a resets budget that this thread crosses with refused connects. A
// thread's datagrams go through tc in its own sendto(), in order, so each
// has one cut: all before it dropped, all after it passed (the first one b
// receives). Model: the abort is set at the resetting event; what the fault
// touches after it is only what another CPU had already past the check in
// fault__live() then: one datagram per sender thread at most (the one in
// its sendto()), ncpu - 1 in all. Measured: dropped datagrams whose
// sendto() returned after the abort's time (one clock), which counts the
// one in flight and anything later; and those that began after it.
TEST_F(ChaosGuardTargetTest, TcpBudgetAbortTouchesAtMostThePacketsInFlight) {
  if (!lab_ready()) return;
  constexpr uint64_t kBudget = 5;
  constexpr uint16_t kPort = 7431;
  chaos::FaultSpec s = spec(loss("guard-lat", 100, {{"filter", {{"protocol", "udp"}, {"ports", json::array({kPort})}}}}));
  s.guard.limits = {{GuardBudget::tcp_resets, kBudget}};
  add(s);
  const unsigned threads = std::max(1u, static_cast<unsigned>(bpf::possible_cpus()) - 1);
  auto flood = SequencedFlood::start(*a_, *b_, ab_->b_ip(), kPort, threads);
  ASSERT_TRUE(flood) << flood.error().message();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const size_t refused = refused_connects(*a_, ab_->b_ip(), kPort + 1, kBudget + 1);
  chaos::FaultCounters c = counters("guard-lat");
  for (int i = 0; i < 100 && !c.guard.aborted(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c = counters("guard-lat");
  }
  // Every sender well past the cut: 100 datagrams each after the abort was seen.
  (*flood)->wait_each_sends(100, std::chrono::seconds(10));
  (*flood)->stop();
  EXPECT_EQ(refused, kBudget + 1);
  ASSERT_TRUE(c.guard.aborted()) << "resets counted: " << c.guard.counts[kResets];
  EXPECT_EQ(c.guard.abort_count, kBudget + 1);
  c = counters("guard-lat");
  uint64_t dropped = 0, after_return = 0, after_start = 0;
  const auto& first = (*flood)->first();
  for (unsigned t = 0; t < threads; ++t) {
    const auto& returned = (*flood)->returned(t);
    ASSERT_NE(first[t], UINT64_MAX) << "sender " << t << ": nothing passed after the abort";
    ASSERT_LT(first[t], returned.size());
    dropped += first[t];
    for (uint64_t i = 0; i < first[t]; ++i) {
      if (returned[i] > c.guard.aborted_ns) ++after_return;
      if (i > 0 && returned[i - 1] > c.guard.aborted_ns) ++after_start;
    }
  }
  std::printf("abort latency (TCP budget): %llu datagram(s) dropped whose sendto returned after the abort, %llu begun "
              "after it (bound %u: one per sender thread); %llu dropped before the cut\n",
              static_cast<unsigned long long>(after_return), static_cast<unsigned long long>(after_start), threads,
              static_cast<unsigned long long>(dropped));
  EXPECT_EQ(c.dropped, dropped) << "a datagram dropped after a later one of its sender passed";
  EXPECT_LE(after_return, threads) << "the fault kept dropping after the abort";
}

}  // namespace seismo::testing
