// Faults by cgroup on a shared device (target.by: socket): two processes in
// two test cgroups share one netns and its veth; a fault on one cgroup
// drops exactly that cgroup's packets, egress at tc (the owning socket's
// cgroup id), ingress in a cgroup_skb program on the cgroup, which ends in
// the kernel after a SIGKILL and is detached by the next daemon.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cgroup/mountinfo.h"
#include "chaos/fault_engine.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "fault_holder.h"
#include "netns_fixture.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kDatagrams = 200;

// One worker's order, over a pipe: send `count` datagrams to b:port, or
// receive on `port` until 1 s passes without one (after answering "bound").
struct Order {
  uint32_t op = 0;  // 1 send, 2 receive, 3 exit
  uint16_t port = 0;
  uint32_t count = 0;
};

// A child process in its own test cgroup and in netns a. Its sockets are
// created after it joined the cgroup (a socket keeps the cgroup it was made
// in). Only raw syscalls after fork: the test process has threads.
class CgroupWorker {
 public:
  // A worker in a new test cgroup (support/test_cgroup: removed with the
  // worker, and swept by a later run if this process dies first).
  static Result<CgroupWorker> start(const std::string& tag, int netns_fd, const std::string& peer_ip) {
    auto cg = TestCgroup::create(tag);
    if (!cg) return fail(std::move(cg).error());
    const std::string cgroup_dir = cg->full_path();
    const std::string procs = cgroup_dir + "/cgroup.procs";
    in_addr peer{};
    ::inet_pton(AF_INET, peer_ip.c_str(), &peer);
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) || ::pipe2(from_child, O_CLOEXEC)) return fail_errno(errno, "pipe");
    pid_t pid = ::fork();
    if (pid == 0) child(procs.c_str(), netns_fd, peer, to_child[0], from_child[1]);
    ::close(to_child[0]);
    ::close(from_child[1]);
    CgroupWorker w(std::move(*cg), pid, to_child[1], from_child[0]);
    uint32_t ready = 0;
    if (!w.reply(ready) || ready != 1) return fail_plain("worker in " + cgroup_dir + " did not start");
    return w;
  }
  CgroupWorker(CgroupWorker&& o) noexcept
      : cg_(std::move(o.cg_)), pid_(std::exchange(o.pid_, -1)), out_(std::exchange(o.out_, -1)),
        in_(std::exchange(o.in_, -1)) {}
  CgroupWorker& operator=(CgroupWorker&&) = delete;
  ~CgroupWorker() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (in_ >= 0) ::close(in_);
    // cg_ goes next: TestCgroup kills what is left in it and removes it.
  }

  // Datagrams sent (all of them unless a send failed).
  std::optional<uint32_t> send(uint16_t port, uint32_t count) { return order({1, port, count}); }
  // Starts receiving on `port`; receive_done() gives the count.
  bool start_receive(uint16_t port) { return order({2, port, 0}) == 1U; }
  std::optional<uint32_t> receive_done() {
    uint32_t n = 0;
    if (!reply(n)) return std::nullopt;
    return n;
  }
  [[nodiscard]] std::string dir() const { return cg_.full_path(); }
  // As seismo names it: relative to the cgroup2 mount.
  [[nodiscard]] const std::string& path() const { return cg_.path(); }

 private:
  CgroupWorker(TestCgroup cg, pid_t pid, int out, int in) : cg_(std::move(cg)), pid_(pid), out_(out), in_(in) {}

  std::optional<uint32_t> order(Order o) {
    if (::write(out_, &o, sizeof(o)) != sizeof(o)) return std::nullopt;
    uint32_t n = 0;
    if (!reply(n)) return std::nullopt;
    return n;
  }
  bool reply(uint32_t& n) { return ::read(in_, &n, sizeof(n)) == sizeof(n); }

  [[noreturn]] static void child(const char* procs, int netns_fd, in_addr peer, int in, int out) {
    int fd = ::open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) _exit(1);
    ::close(fd);
    if (::setns(netns_fd, CLONE_NEWNET) != 0) _exit(1);
    uint32_t n = 1;
    if (::write(out, &n, sizeof(n)) != sizeof(n)) _exit(1);
    Order o;
    while (::read(in, &o, sizeof(o)) == sizeof(o)) {
      if (o.op == 1) {
        n = 0;
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(o.port);
        to.sin_addr = peer;
        char buf[64] = {};
        for (uint32_t i = 0; i < o.count && s >= 0; ++i) {
          std::memcpy(buf, &i, sizeof(i));
          if (::sendto(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == sizeof(buf)) ++n;
          if (i % 32 == 31) ::usleep(1000);  // the receiver's queue keeps up
        }
        if (s >= 0) ::close(s);
        if (::write(out, &n, sizeof(n)) != sizeof(n)) _exit(1);
      } else if (o.op == 2) {
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in at{};
        at.sin_family = AF_INET;
        at.sin_port = htons(o.port);
        timeval tv{1, 0};
        ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        int big = 4 << 20;
        ::setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
        n = ::bind(s, reinterpret_cast<sockaddr*>(&at), sizeof(at)) == 0 ? 1 : 0;
        if (::write(out, &n, sizeof(n)) != sizeof(n)) _exit(1);
        n = 0;
        char buf[128];
        while (::recv(s, buf, sizeof(buf), 0) > 0) ++n;
        ::close(s);
        if (::write(out, &n, sizeof(n)) != sizeof(n)) _exit(1);
      } else {
        _exit(0);
      }
    }
    _exit(0);
  }

  TestCgroup cg_;
  pid_t pid_ = -1;
  int out_ = -1;
  int in_ = -1;
};

// Datagrams from netns b to a:port, sent by the test process; the
// receiving worker counts them.
uint32_t send_from_b(const TestNetns& b, const std::string& a_ip, uint16_t port, uint32_t count) {
  auto s = b.socket(AF_INET, SOCK_DGRAM);
  if (!s) return 0;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, a_ip.c_str(), &to.sin_addr);
  char buf[64] = {};
  uint32_t n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (::sendto(s->get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == sizeof(buf)) ++n;
    if (i % 32 == 31) ::usleep(1000);
  }
  return n;
}

// A receiver in netns b: how many datagrams reach `port` until 1 s passes
// without one.
class Receiver {
 public:
  static std::optional<Receiver> bind(const TestNetns& b, uint16_t port) {
    auto s = b.socket(AF_INET, SOCK_DGRAM);
    if (!s) return std::nullopt;
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    timeval tv{1, 0};
    ::setsockopt(s->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int big = 4 << 20;
    ::setsockopt(s->get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    if (::bind(s->get(), reinterpret_cast<sockaddr*>(&at), sizeof(at)) != 0) return std::nullopt;
    return Receiver(std::move(*s));
  }
  uint32_t drain() {
    char buf[128];
    uint32_t n = 0;
    while (::recv(fd_.get(), buf, sizeof(buf), 0) > 0) ++n;
    return n;
  }

 private:
  explicit Receiver(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

class ChaosCgroupTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    auto cg = cgroup::find_mount("cgroup2");
    if (!cg) GTEST_SKIP() << "no cgroup2 mount: " << cg.error().message();
    for (auto [name, worker] : {std::pair{"cgroup-target", &target_}, std::pair{"cgroup-other", &other_}}) {
      auto w = CgroupWorker::start(name, a_->fd(), ab_->b_ip());
      ASSERT_TRUE(w) << name << ": " << w.error().message();
      worker->emplace(std::move(*w));
    }
  }
  void TearDown() override {
    FaultLabTest::TearDown();
    target_.reset();
    other_.reset();
  }

  [[nodiscard]] static std::string relative(const CgroupWorker& w) { return w.path(); }

  json by_socket(const std::string& name, const std::string& direction, const std::string& duration = "60s") const {
    return {{"name", name},
            {"target", {{"cgroup", relative(*target_)}, {"by", "socket"}, {"interface", ab_->a_name()}}},
            {"direction", direction},
            {"action", "loss"},
            {"loss", {{"percent", 100}}},
            {"duration", duration}};
  }

  // What `bpftool cgroup show` lists on the worker's cgroup.
  static std::string cgroup_programs(const CgroupWorker& w) {
    return run_command({"bpftool", "cgroup", "show", w.dir()}).output;
  }

  // Both workers receive kDatagrams from b; returns {target, other}.
  std::pair<uint32_t, uint32_t> receive_both() {
    EXPECT_TRUE(target_->start_receive(7001));
    EXPECT_TRUE(other_->start_receive(7002));
    EXPECT_EQ(send_from_b(*b_, ab_->a_ip(), 7001, kDatagrams), kDatagrams);
    EXPECT_EQ(send_from_b(*b_, ab_->a_ip(), 7002, kDatagrams), kDatagrams);
    return {target_->receive_done().value_or(9999), other_->receive_done().value_or(9999)};
  }

  // A daemon killed with its fault installed: the fault holder adds `doc`
  // to an engine on this lab's bpffs and prints "ready"; once that line is
  // read (returned: when), the holder is SIGKILLed and reaped.
  Result<Clock::time_point> add_then_sigkill(const json& doc) const {
    auto holder = FaultHolder::start(*fs_, doc);
    if (!holder) return fail(std::move(holder).error());
    const auto ready = Clock::now();
    holder->kill();
    return ready;
  }

  std::optional<CgroupWorker> target_;
  std::optional<CgroupWorker> other_;
};

}  // namespace

// The check: a 100 % loss on one cgroup's egress loses all of its
// datagrams and none of the other's (nor the test process's) on the same
// device. Counts are exact: loss 100 % is deterministic.
TEST_F(ChaosCgroupTest, EgressLossDropsOnlyTheTargetCgroupsPackets) {
  if (!lab_ready()) return;
  start_engine();
  auto added = engine_->add(spec(by_socket("cg-egress", "egress")));
  ASSERT_TRUE(added) << added.error().message();
  auto r1 = Receiver::bind(*b_, 6001);
  auto r2 = Receiver::bind(*b_, 6002);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(target_->send(6001, kDatagrams), kDatagrams) << "loss is silent to the sender";
  EXPECT_EQ(other_->send(6002, kDatagrams), kDatagrams);
  EXPECT_EQ(r1->drain(), 0u) << "the target cgroup's datagrams must all be lost";
  EXPECT_EQ(r2->drain(), kDatagrams) << "the other cgroup's datagrams must all pass";
  auto run = lab_->udp(kDatagrams, 6003);  // the test process: neither cgroup
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->received, kDatagrams);
  EXPECT_EQ(counters("cg-egress").dropped, kDatagrams);
  ASSERT_TRUE(engine_->remove("cg-egress"));
  EXPECT_EQ(target_->send(6001, kDatagrams), kDatagrams);
  EXPECT_EQ(r1->drain(), kDatagrams) << "traffic flows again after removal";
}

TEST_F(ChaosCgroupTest, IngressLossDropsOnlyWhatTheTargetCgroupReceives) {
  if (!lab_ready()) return;
  start_engine();
  auto added = engine_->add(spec(by_socket("cg-ingress", "ingress")));
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_NE(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos) << cgroup_programs(*target_);
  EXPECT_EQ(cgroup_programs(*other_).find("cgskb_fault"), std::string::npos) << cgroup_programs(*other_);
  EXPECT_EQ(lab_->a_state(), lab_->a_before) << "ingress by socket needs no tc filter";
  auto [target, other] = receive_both();
  EXPECT_EQ(target, 0u);
  EXPECT_EQ(other, kDatagrams);
  EXPECT_EQ(counters("cg-ingress").dropped, kDatagrams);
  // The target's own egress is untouched by an ingress fault.
  auto r1 = Receiver::bind(*b_, 6001);
  ASSERT_TRUE(r1);
  EXPECT_EQ(target_->send(6001, kDatagrams), kDatagrams);
  EXPECT_EQ(r1->drain(), kDatagrams);
  ASSERT_TRUE(engine_->remove("cg-ingress"));
  EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos) << "program left on the cgroup";
  auto [after, _] = receive_both();
  EXPECT_EQ(after, kDatagrams) << "traffic flows again after removal";
}

TEST_F(ChaosCgroupTest, BothDirectionsAndShutdownLeaveNothing) {
  if (!lab_ready()) return;
  start_engine();
  auto added = engine_->add(spec(by_socket("cg-both", "both")));
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ((*added)["endpoints"].size(), 2u) << added->dump();
  auto [target, other] = receive_both();
  EXPECT_EQ(target, 0u);
  EXPECT_EQ(other, kDatagrams);
  engine_.reset();  // shutdown removes every fault
  EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos);
}

TEST_F(ChaosCgroupTest, RefusesWhatAnIngressCgroupProgramCannotDo) {
  if (!lab_ready()) return;
  start_engine();
  json doc = by_socket("cg-delay", "ingress");
  doc["action"] = "delay";
  doc.erase("loss");
  doc["delay"] = {{"latency", "10ms"}};
  auto parsed = parse_fault_spec(doc);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message().find("direction"), std::string::npos) << parsed.error().message();
  EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos);
}

// The cgroup_skb program ends with the fault's expiry in the kernel (the
// same fault_cfg check as tc's) while the daemon is dead; the next daemon
// detaches it. Model: the fault is added before the holder prints ready,
// so it expires at most 3 s after `ready`; checks at ready + 1.5 s (still
// on) and ready + 4 s (off) leave 1.5 s and 1 s of margin.
TEST_F(ChaosCgroupTest, IngressFaultEndsInTheKernelAfterSigkillAndRestartDetachesIt) {
  if (!lab_ready()) return;
  const auto killed = add_then_sigkill(by_socket("cg-killed", "ingress", "3s"));
  ASSERT_TRUE(killed) << killed.error().message();
  const Clock::time_point ready = *killed;
  EXPECT_TRUE(target_->start_receive(7001));
  EXPECT_EQ(send_from_b(*b_, ab_->a_ip(), 7001, kDatagrams), kDatagrams);
  EXPECT_EQ(target_->receive_done().value_or(9999), 0u) << "the fault applies while its daemon is dead";
  std::this_thread::sleep_until(ready + std::chrono::milliseconds(1500));
  EXPECT_NE(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos) << "the pinned link keeps it";
  std::this_thread::sleep_until(ready + std::chrono::milliseconds(4000));
  auto [target, other] = receive_both();
  EXPECT_EQ(target, kDatagrams) << "expired in the kernel";
  EXPECT_EQ(other, kDatagrams);

  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.expired_removed, std::vector<std::string>{"cg-killed"});
  EXPECT_EQ(report.filters_removed, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_TRUE(report.errors.empty()) << fmt::format("{}", fmt::join(report.errors, "; "));
  EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos) << "restart left the program";
}

TEST_F(ChaosCgroupTest, RestartAdoptsARunningIngressFault) {
  if (!lab_ready()) return;
  const auto killed = add_then_sigkill(by_socket("cg-survivor", "ingress"));
  ASSERT_TRUE(killed) << killed.error().message();
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().adopted, std::vector<std::string>{"cg-survivor"});
  auto [target, other] = receive_both();
  EXPECT_EQ(target, 0u);
  EXPECT_EQ(other, kDatagrams);
  EXPECT_EQ(counters("cg-survivor").dropped, kDatagrams);
  ASSERT_TRUE(engine_->remove("cg-survivor"));
  EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos);
}

// The installer's transaction with a cgroup attachment in it: a failure
// injected at each step of a by-socket add (both directions: a tc filter
// and a cgroup link) leaves no program on the cgroup, no filter on the
// device, no pin and no state file.
TEST_F(ChaosCgroupTest, AFailureAtAnyStepLeavesNoCgroupProgramBehind) {
  if (!lab_ready()) return;
  std::vector<std::string> steps;
  for (int fail_at = 0;; ++fail_at) {
    int seen = 0;
    steps.clear();
    start_engine([&](std::string_view step) -> Result<void> {
      steps.emplace_back(step);
      if (seen++ == fail_at) return fail_errno(EIO, fmt::format("injected failure at step {} ({})", fail_at, step));
      return {};
    });
    auto added = engine_->add(spec(by_socket("cg-txn", "both")));
    if (added) {
      EXPECT_GT(fail_at, 3) << "an add has more steps than that";
      break;
    }
    EXPECT_NE(added.error().message().find("injected failure"), std::string::npos) << added.error().message();
    EXPECT_EQ(cgroup_programs(*target_).find("cgskb_fault"), std::string::npos) << "after a failure at " << steps.back();
    EXPECT_EQ(lab_->a_state(), lab_->a_before) << "after a failure at " << steps.back();
    EXPECT_FALSE(std::filesystem::exists(fs_->state_file())) << "after a failure at " << steps.back();
    engine_.reset();
    EXPECT_TRUE(fs_->pins().empty()) << "after a failure at " << steps.back();
    ASSERT_LT(fail_at, 30) << "the add never succeeded";
  }
  EXPECT_NE(std::find(steps.begin(), steps.end(), "attach cgroup program"), steps.end());
  ASSERT_TRUE(engine_->remove("cg-txn"));
}

// A pod that ends takes its cgroup with it: the kernel detaches the
// cgroup's programs, and the fault says so (health broken) instead of
// counting as active; removing it then succeeds and leaves nothing.
TEST_F(ChaosCgroupTest, ACgroupRemovedUnderneathIsReported) {
  if (!lab_ready()) return;
  start_engine();
  auto added = engine_->add(spec(by_socket("cg-gone", "ingress")));
  ASSERT_TRUE(added) << added.error().message();
  const std::string dir = target_->dir();
  target_.reset();  // the worker dies, its cgroup is removed
  ASSERT_FALSE(std::filesystem::exists(dir));
  // The cgroup is released asynchronously once its last reference goes
  // (percpu ref + a work item): a deadline, not a sleep.
  std::string health;
  for (auto deadline = Clock::now() + std::chrono::seconds(20); Clock::now() < deadline;) {
    auto faults = engine_->list()["faults"];
    health = faults.empty() ? "" : faults[0].value("health", "");
    if (health == "broken") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(health, "broken") << engine_->list().dump();
  EXPECT_TRUE(engine_->remove("cg-gone"));
}

// A run killed before its destructors (ctest's timeout, SIGKILL) left test
// cgroups behind; the next run's first TestCgroup removes them, and leaves
// those of a live process alone.
TEST(TestCgroupSweep, CgroupsOfADeadTestProcessAreRemovedAndALiveOnesKept) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto mount = cgroup::find_mount("cgroup2");
  if (!mount) GTEST_SKIP() << "no cgroup2 mount";
  pid_t dead = ::fork();
  if (dead == 0) _exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = fmt::format("{}/seismo-it-sweep-{}-0", mount->mount_point, dead);
  const std::string live = fmt::format("{}/seismo-it-sweep-{}-0", mount->mount_point, ::getppid());
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0) << stale;
  ASSERT_EQ(::mkdir(live.c_str(), 0755), 0) << live;
  TestCgroup::sweep_dead_runs(mount->mount_point);
  EXPECT_FALSE(std::filesystem::exists(stale)) << "a dead run's cgroup was kept";
  EXPECT_TRUE(std::filesystem::exists(live)) << "a live process's cgroup was removed";
  ::rmdir(live.c_str());
  ::rmdir(stale.c_str());
}
