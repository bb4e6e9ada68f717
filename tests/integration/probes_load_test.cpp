// The verifier test: every probe loads and attaches in each hook flavour on
// this kernel, and destroying it leaves no program behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "bpf/libbpf_ptr.h"
#include "doctor/attach_probe.h"
#include "probes/exec.h"
#include "probes/syscalls.h"
#include "support/seismod_process.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::probes;
using seismo::testing::loaded_seismo_programs;
using seismo::testing::no_seismo_programs_within;

class ProbesLoad : public ::testing::TestWithParam<HookFlavour> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
    bpf::route_libbpf_log();
    ASSERT_TRUE(no_seismo_programs_within()) << "an earlier test's programs are still loaded";
  }
};

// A kernel without what the syscalls probe needs (the VM tier's 5.10 guest)
// gets an error naming the feature and the release that brought it, and
// nothing stays loaded.
TEST(SyscallsOnAnOldKernel, TheProbeNamesWhatTheKernelLacks) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  if (doctor::syscalls_probe_gap().empty()) GTEST_SKIP() << "this kernel runs the syscalls probe";
  auto p = SyscallsProbe::create({1024, false, std::nullopt});
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("syscall metrics need"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().message().find("(Linux 5."), std::string::npos) << p.error().message();
  EXPECT_TRUE(no_seismo_programs_within());
}

TEST_P(ProbesLoad, SyscallsFullMode) {
  auto p = SyscallsProbe::create({1024, false, GetParam()});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE((*p)->status().attached);
  EXPECT_EQ((*p)->status().hook, flavour_name(GetParam()));
  EXPECT_EQ(loaded_seismo_programs().size(), 3u);  // sys_enter, sys_exit, cgroup_rmdir
  // The map fills from our own syscalls.
  getppid();
  size_t rows = 0;
  (*p)->for_each([&](const SyscallSample& s) { rows += s.stats.calls > 0; });
  EXPECT_GT(rows, 0u);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

TEST_P(ProbesLoad, SyscallsCountModeHooksOnlySysExit) {
  auto p = SyscallsProbe::create({1024, true, GetParam()});
  ASSERT_TRUE(p) << p.error().message();
  auto progs = loaded_seismo_programs();
  ASSERT_EQ(progs.size(), 2u);  // sys_exit and cgroup_rmdir
  for (const auto& name : progs) EXPECT_EQ(name.find("enter"), std::string::npos) << name;
  uint64_t timed = 0;
  getppid();
  (*p)->for_each([&](const SyscallSample& s) { timed += s.stats.timed; });
  EXPECT_EQ(timed, 0u);
}

TEST_P(ProbesLoad, Exec) {
  std::atomic<int> events{0};
  auto p = ExecProbe::create({1024, GetParam()}, [&](const ExecEvent&) { events++; });
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(loaded_seismo_programs().size(), 1u);
  ASSERT_EQ(system("/bin/true"), 0);
  for (int i = 0; i < 100 && events.load() == 0; ++i) usleep(20000);
  EXPECT_GT(events.load(), 0);
  p->reset();
  EXPECT_TRUE(no_seismo_programs_within());
}

INSTANTIATE_TEST_SUITE_P(Flavours, ProbesLoad, ::testing::Values(HookFlavour::tp_btf, HookFlavour::raw_tp),
                         [](const auto& info) { return std::string(flavour_name(info.param)); });

TEST(ExecDecode, RejectsShortAndForeignRecords) {
  char buf[8] = {};
  EXPECT_FALSE(decode_exec_event(buf, sizeof(buf)));
  std::vector<char> big(1024, 0);
  auto r = decode_exec_event(big.data(), big.size());  // zero header: wrong version
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("version"), std::string::npos);
}

// Exact counts whichever way rows are stored: hash only, a one-slot cache
// (almost every key falls back to the hash), and the default cache.
class SyscallCacheSizes : public ::testing::TestWithParam<uint32_t> {};

TEST_P(SyscallCacheSizes, CountsExactlyAndForgetsRemovedCgroups) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  ASSERT_TRUE(no_seismo_programs_within());
  SyscallsProbeConfig cfg;
  cfg.cache_slots_per_cpu = GetParam() == 99 ? std::nullopt : std::optional<uint32_t>(GetParam());
  auto p = SyscallsProbe::create(cfg);
  ASSERT_TRUE(p) << p.error().message();
  auto cg = seismo::testing::TestCgroup::create("cache");
  ASSERT_TRUE(cg);
  const uint64_t id = cg->id();
  constexpr long kCalls = 50000;
  for (int i = 0; i < 4; ++i)  // several runs: the scheduler spreads them over CPUs
    ASSERT_EQ(*seismo::testing::run_in_cgroup(*cg, {WORKLOAD_PATH, std::to_string(kCalls), "3"}), 0);
  uint64_t getppid = 0, openat_errors = 0;
  std::set<uint32_t> nrs;
  (*p)->for_each([&](const SyscallSample& s) {
    if (s.cgroup_id != id) return;
    EXPECT_TRUE(nrs.insert(s.nr).second) << "duplicate row for nr " << s.nr;  // cache and hash merged
    if (s.nr == 110) getppid += s.stats.calls;
    if (s.nr == 257) openat_errors += s.stats.errors;
  });
  EXPECT_EQ(getppid, 4u * kCalls);
  EXPECT_EQ(openat_errors, 12u);
  // rmdir: the kernel side deletes the cgroup's rows, in the cache and the hash.
  ASSERT_TRUE(cg->remove());
  size_t left = 0;
  (*p)->for_each([&](const SyscallSample& s) { left += s.cgroup_id == id; });
  EXPECT_EQ(left, 0u);
}

// Rows are keyed by the cgroup's kernel address, which the allocator hands
// to the next cgroup once one is freed. Cgroups made and removed one after
// another must each count exactly their own calls: a row left behind by a
// removed cgroup would swallow its successor's counts under the old id.
static void expect_successors_count_their_own(const SyscallsProbeConfig& cfg) {
  auto p = SyscallsProbe::create(cfg);
  ASSERT_TRUE(p) << p.error().message();
  constexpr long kCalls = 2000;
  for (int round = 0; round < 20; ++round) {  // without the rmdir hook this fails by round 3
    auto cg = seismo::testing::TestCgroup::create("succ");
    ASSERT_TRUE(cg);
    const uint64_t id = cg->id();
    ASSERT_EQ(*seismo::testing::run_in_cgroup(*cg, {WORKLOAD_PATH, std::to_string(kCalls), "0"}), 0);
    uint64_t getppid = 0;
    (*p)->for_each([&](const SyscallSample& s) {
      if (s.cgroup_id == id && s.nr == 110) getppid += s.stats.calls;
    });
    ASSERT_EQ(getppid, static_cast<uint64_t>(kCalls)) << "round " << round;
    ASSERT_TRUE(cg->remove());
    usleep(20000);  // let RCU free the cgroup, so the next mkdir can get its memory
  }
}

TEST_P(SyscallCacheSizes, ASuccessorCgroupNeverInheritsRows) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  ASSERT_TRUE(no_seismo_programs_within());
  SyscallsProbeConfig cfg;
  cfg.cache_slots_per_cpu = GetParam() == 99 ? std::nullopt : std::optional<uint32_t>(GetParam());
  expect_successors_count_their_own(cfg);
}

// raw_tp keys by the plain address (probe reads) and has its own rmdir hook.
TEST(SyscallRawTp, ASuccessorCgroupNeverInheritsRows) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  ASSERT_TRUE(no_seismo_programs_within());
  SyscallsProbeConfig cfg;
  cfg.only_flavour = HookFlavour::raw_tp;
  expect_successors_count_their_own(cfg);
}

INSTANTIATE_TEST_SUITE_P(Slots, SyscallCacheSizes, ::testing::Values(0u, 1u, 99u),
                         [](const auto& info) {
                           return info.param == 0 ? std::string("hash_only")
                                  : info.param == 1 ? std::string("one_slot")
                                                    : std::string("default");
                         });

TEST(SyscallCache, DefaultSizeFitsTheMemoryBudget) {
  EXPECT_EQ(default_cache_slots(2), 4096u);
  EXPECT_EQ(default_cache_slots(64), 256u);
  EXPECT_EQ(default_cache_slots(100000), 64u);
  EXPECT_FALSE(SyscallsProbe::create({1024, false, std::nullopt, 3u}));  // not a power of two
}
