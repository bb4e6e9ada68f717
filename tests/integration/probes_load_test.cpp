// The verifier test: every probe loads and attaches in each hook flavour on
// this kernel, and destroying it leaves no program behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include "bpf/libbpf_ptr.h"
#include "probes/exec.h"
#include "probes/syscalls.h"
#include "support/seismod_process.h"

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

TEST_P(ProbesLoad, SyscallsFullMode) {
  auto p = SyscallsProbe::create({1024, false, GetParam()});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE((*p)->status().attached);
  EXPECT_EQ((*p)->status().hook, flavour_name(GetParam()));
  EXPECT_EQ(loaded_seismo_programs().size(), 2u);  // sys_enter + sys_exit
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
  ASSERT_EQ(progs.size(), 1u);
  EXPECT_NE(progs[0].find("exit"), std::string::npos);
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
