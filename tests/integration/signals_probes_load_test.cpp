// The verifier test for the signals probes: each loads and attaches on this
// kernel in every hook flavour, works, and leaves nothing behind; decoders
// reject records they do not understand.
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "bpf/libbpf_ptr.h"
#include "cgroup/mountinfo.h"
#include "probes/net.h"
#include "probes/oom.h"
#include "probes/sched.h"
#include "probes/tcp.h"
#include "support/seismod_process.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::probes;
using seismo::testing::loaded_seismo_programs;
using seismo::testing::no_seismo_programs_within;

namespace {

std::string cgroup2_root() {
  auto m = cgroup::find_mount("cgroup2");
  return m ? m->mount_point : "";
}

// This process's cgroup v2 id: the inode of its directory.
uint64_t own_cgroup_id() {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    struct stat st {};
    std::string path = cgroup2_root() + line.substr(3);
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  return 0;
}

// A loopback connect to a port nobody listens on: refused with a RST.
void refused_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ::close(fd);
}

class SignalsProbesLoad : public ::testing::TestWithParam<HookFlavour> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
    bpf::route_libbpf_log();
    ASSERT_TRUE(no_seismo_programs_within()) << "an earlier test's programs are still loaded";
  }
};

}  // namespace

TEST_P(SignalsProbesLoad, TcpCountsAndStreamsAResetForThisCgroup) {
  std::mutex m;
  std::vector<TcpEvent> events;
  TcpProbeConfig config;
  config.only_flavour = GetParam();
  auto p = TcpProbe::create(config, [&](const TcpEvent& ev) {
    std::lock_guard lock(m);
    events.push_back(ev);
  });
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->status().hook, flavour_name(GetParam()));
  EXPECT_EQ(loaded_seismo_programs().size(), 4u);  // state, retransmit, reset sent, reset received
  refused_connect(9);

  const uint64_t me = own_cgroup_id();
  ASSERT_NE(me, 0u);
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(m);
    for (const auto& ev : events)
      found |= ev.kind == TcpEventKind::reset_received && ev.dport == 9 && ev.cgroup_id == me;
  }
  EXPECT_TRUE(found) << "no reset_received event for port 9 in this process's cgroup";
  uint64_t received = 0, failures = 0;
  (*p)->for_each([&](uint64_t id, const tcp_stats& s) {
    if (id != me) return;
    received += s.resets_received;
    failures += s.connect_failures;
  });
  EXPECT_GE(received, 1u);
  EXPECT_GE(failures, 1u);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

// Both wait sources: the scheduler's sched_info (one sched_switch program,
// tp_btf where the kernel keeps it) and the wakeup stamps (three programs).
// On a kernel without task storage maps (5.10) the tp_btf flavour refuses
// with that reason, and the default (no flavour asked) falls back to raw_tp.
namespace {
void expect_sched_sees_run_queue_waits(HookFlavour flavour, bool use_sched_info) {
  SchedProbeConfig config;
  config.only_flavour = flavour;
  config.use_sched_info = use_sched_info;
  if (flavour == HookFlavour::tp_btf && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) != 1) {
    auto refused = SchedProbe::create(config);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("task storage maps (Linux 5.11+)"), std::string::npos)
        << refused.error().message();
    config.only_flavour.reset();
    flavour = HookFlavour::raw_tp;
  }
  auto p = SchedProbe::create(config);
  ASSERT_TRUE(p) << p.error().message();
  // switch alone, or wakeup, wakeup_new, switch
  EXPECT_EQ(loaded_seismo_programs().size(), (*p)->uses_sched_info() ? 1u : 3u);
  if (!use_sched_info || flavour == HookFlavour::raw_tp) EXPECT_FALSE((*p)->uses_sched_info());
  for (int i = 0; i < 20; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // wakeups of our own
  uint64_t waits = 0;
  (*p)->for_each([&](uint64_t, const runq_stats& s) { waits += s.count; });
  EXPECT_GT(waits, 0u);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}
}  // namespace

TEST_P(SignalsProbesLoad, SchedSeesRunQueueWaits) { expect_sched_sees_run_queue_waits(GetParam(), true); }

TEST_P(SignalsProbesLoad, SchedSeesRunQueueWaitsFromWakeupStamps) {
  expect_sched_sees_run_queue_waits(GetParam(), false);
}

namespace {

// struct clone_args up to its cgroup field (Linux 5.7), spelled out: the
// uapi header's CLONE_* macros collide with glibc's.
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

// A child born in the cgroup `dir_fd` (so every wait of its life is that
// cgroup's), pinned to CPU 0, spinning for `spin_ms`, then asleep in pause()
// for good: its run_delay no longer moves and its last switch-out is done.
pid_t spawn_spinner_into(int dir_fd, int spin_ms) {
  CloneArgs args{};
  args.flags = kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(dir_fd);
  const long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid != 0) return static_cast<pid_t>(pid);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  sched_setaffinity(0, sizeof(one), &one);
  timespec start{}, now{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  do clock_gettime(CLOCK_MONOTONIC, &now);
  while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < spin_ms);
  for (;;) pause();
}

// /proc/PID/stat's state letter ('S': asleep).
char task_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = all.rfind(')');
  return paren != std::string::npos && paren + 2 < all.size() ? all[paren + 2] : '?';
}

// /proc/PID/schedstat: run time, run_delay (ns waited on a run queue), pcount (arrivals on a CPU).
struct SchedStat {
  uint64_t run_ns = 0, run_delay_ns = 0, pcount = 0;
};
SchedStat sched_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  SchedStat s;
  in >> s.run_ns >> s.run_delay_ns >> s.pcount;
  return s;
}

}  // namespace

// The sched_info source records exactly the kernel's own accounting: for
// tasks born in a cgroup while the probe runs, the cgroup's waits sum to
// their run_delay (to the nanosecond, but for zero waits counted as 1 ns)
// and number their arrivals on a CPU (pcount), once each has gone to sleep
// for good. Two spinners pinned to one CPU wait for each other.
TEST(SignalsSchedInfo, WaitsOfACgroupSumToItsTasksRunDelay) {
  if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) != 1)
    GTEST_SKIP() << "the sched_info source is tp_btf's, which needs task storage maps (Linux 5.11+)";
  SchedProbeConfig config;
  config.only_flavour = HookFlavour::tp_btf;
  auto p = SchedProbe::create(config);
  ASSERT_TRUE(p) << p.error().message();
  if (!(*p)->uses_sched_info()) GTEST_SKIP() << "this kernel keeps no sched_info (CONFIG_SCHED_INFO)";
  auto cg = seismo::testing::TestCgroup::create("sched-exact");
  ASSERT_TRUE(cg) << cg.error().message();
  const int dir = open(cg->full_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  const pid_t a = spawn_spinner_into(dir, 300), b = spawn_spinner_into(dir, 300);
  close(dir);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  // Asleep in pause(): generous deadline for a loaded 2-core machine.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((task_state(a) != 'S' || task_state(b) != 'S') && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const SchedStat sa = sched_stat(a), sb = sched_stat(b);
  const uint64_t want_ns = sa.run_delay_ns + sb.run_delay_ns, want_waits = sa.pcount + sb.pcount;
  // The switch-out that put each to sleep records in the same __schedule call
  // that made it 'S'; poll the map rather than trust a sleep.
  uint64_t got_ns = 0, got_waits = 0;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    got_ns = got_waits = 0;
    (*p)->for_each([&](uint64_t id, const runq_stats& s) {
      if (id != cg->id()) return;
      got_ns += s.sum_ns;
      got_waits += s.count;
    });
  } while ((got_ns < want_ns || got_waits != want_waits) && std::chrono::steady_clock::now() < deadline);
  for (pid_t pid : {a, b}) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  EXPECT_GE(want_waits, 4u) << "the spinners should have preempted each other";
  // A wait of 0 ns (enqueued and picked within one rq clock update) is
  // recorded as 1 ns, so it still counts in the histogram.
  EXPECT_GE(got_ns, want_ns);
  EXPECT_LE(got_ns, want_ns + want_waits);
  EXPECT_EQ(got_waits, want_waits);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

TEST_P(SignalsProbesLoad, OomLoadsWhereTheTracepointPassesTheTask) {
  if (auto r = check_mark_victim_passes_task(); !r) GTEST_SKIP() << r.error().message();
  OomProbeConfig config;
  config.only_flavour = GetParam();
  auto p = OomProbe::create(config, [](const OomEvent&) {});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(loaded_seismo_programs().size(), 1u);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

INSTANTIATE_TEST_SUITE_P(Flavours, SignalsProbesLoad, ::testing::Values(HookFlavour::tp_btf, HookFlavour::raw_tp),
                         [](const auto& info) { return std::string(flavour_name(info.param)); });

TEST(SignalsNetProbeLoad, AttachesNextToOtherProgramsAndCountsLoopback) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_TRUE(no_seismo_programs_within());
  const std::string root = cgroup2_root();
  ASSERT_FALSE(root.empty());
  // Two instances on the same cgroup: links are allow-multi, so a CNI's
  // programs and ours coexist the same way.
  auto a = NetProbe::create({1024, root});
  ASSERT_TRUE(a) << a.error().message();
  auto b = NetProbe::create({1024, root});
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(loaded_seismo_programs().size(), 4u);
  refused_connect(9);  // SYN out, RST in: both on loopback
  const uint64_t me = own_cgroup_id();
  uint64_t tx = 0;
  (*a)->for_each([&](uint64_t id, const net_stats& s) {
    if (id == me) tx += s.tx_packets;
  });
  EXPECT_GE(tx, 1u);
  a->reset();
  b->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

TEST(SignalsNetProbeLoad, ReportsAMissingCgroup) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto p = NetProbe::create({1024, "/nonexistent/cgroup"});
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("/nonexistent/cgroup"), std::string::npos) << p.error().message();
}
