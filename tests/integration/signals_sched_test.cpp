// Run-queue latency: two CPU-bound processes pinned to one CPU in a test
// cgroup wait for each other: histogram observations with a plausible
// median; an idle sibling cgroup gets none meanwhile.
#include <thread>

#include "support/child_process.h"
#include "support/signals_fixture.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::testing;

namespace {
class SignalsSched : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--probes", "sched"}; }
};
constexpr const char* kFamily = "seismo_sched_runqueue_latency_seconds";
}  // namespace

TEST_F(SignalsSched, TwoPinnedHogsWaitForEachOtherIdleSiblingDoesNot) {
  auto hogs = TestCgroup::create("sig-hogs");
  auto idle = TestCgroup::create("sig-idle");
  ASSERT_TRUE(hogs && idle);
  auto sleeper = ChildProcess::spawn({"/bin/sleep", "120"}, {{idle->full_path() + "/cgroup.procs"}, ""});
  ASSERT_TRUE(sleeper);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sleeper has settled
  const double idle_before = sum_samples(scrape(), kFamily + std::string("_count"), {{"cgroup", idle->path()}});

  const SpawnOptions in_hogs{{hogs->full_path() + "/cgroup.procs"}, ""};
  auto a = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "spin", "1.5", "0"}, in_hogs);
  auto b = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "spin", "1.5", "0"}, in_hogs);
  ASSERT_TRUE(a && b);
  auto ca = a->wait_exit();
  auto cb = b->wait_exit();
  ASSERT_TRUE(ca && cb);
  EXPECT_EQ(*ca, 0);
  EXPECT_EQ(*cb, 0);

  auto s = scrape();
  const double waits = sum_samples(s, kFamily + std::string("_count"), {{"cgroup", hogs->path()}});
  const double sum = sum_samples(s, kFamily + std::string("_sum"), {{"cgroup", hogs->path()}});
  // 1.5 s of two hogs sharing a CPU: each preempts the other every few ms.
  EXPECT_GE(waits, 20);
  // Each hog waited while the other ran: roughly half of 1.5 s each.
  EXPECT_GE(sum, 0.5);
  const double median = median_upper_bound(s, kFamily, hogs->path());
  EXPECT_GE(median, 16e-6) << "median bucket";
  EXPECT_LE(median, 0.068) << "median bucket";
  EXPECT_EQ(sum_samples(s, kFamily + std::string("_count"), {{"cgroup", idle->path()}}), idle_before);
  expect_no_losses(s);
  std::printf("run-queue: %.0f waits, mean %.0f us, median bucket <= %.0f us\n", waits, sum / waits * 1e6,
              median * 1e6);
}
