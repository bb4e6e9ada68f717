// OOM: a process over its memory limit is killed → one OOM event with the
// victim's pid and its cgroup v2 path, and seismo_oom_kills_total for that
// cgroup. The memory controller is cgroup v1 on hybrid hosts: the test finds
// it from mountinfo, makes a child with a limit there, and still expects the
// v2 cgroup id attribution.
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <thread>

#include "api/client.h"
#include "cgroup/mountinfo.h"
#include "support/child_process.h"
#include "support/signals_fixture.h"
#include "support/test_cgroup.h"
#include "support/trace_subscription.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

class SignalsOom : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--probes", "oom"}; }
};

// A memory-limited cgroup wherever the memory controller is mounted: a v1
// hierarchy (memory.limit_in_bytes) or cgroup2 (memory.max). Removed on
// destruction.
class MemoryLimit {
 public:
  static Result<MemoryLimit> create(const TestCgroup& v2, uint64_t bytes) {
    auto text = cgroup::read_file("/proc/self/mountinfo");
    if (!text) return fail(std::move(text).error());
    MemoryLimit m;
    if (auto v1 = cgroup::find_cgroup1_controller(cgroup::parse_mountinfo(*text), "memory")) {
      m.dir_ = v1->mount_point + "/seismo-it-oom-" + std::to_string(getpid());
      if (::mkdir(m.dir_.c_str(), 0755) != 0) return fail_errno(errno, "mkdir " + m.dir_);
      m.owned_ = true;
      if (auto r = write(m.dir_ + "/memory.limit_in_bytes", std::to_string(bytes)); !r) return fail(std::move(r).error());
    } else {
      m.dir_ = v2.full_path();  // cgroup2 memory controller: the test cgroup itself
      if (auto r = write(m.dir_ + "/memory.max", std::to_string(bytes)); !r) return fail(std::move(r).error());
    }
    return m;
  }
  MemoryLimit(MemoryLimit&& o) noexcept : dir_(std::move(o.dir_)), owned_(std::exchange(o.owned_, false)) {}
  ~MemoryLimit() {
    if (!owned_) return;
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  [[nodiscard]] std::string procs() const { return dir_ + "/cgroup.procs"; }
  [[nodiscard]] bool is_v1() const { return owned_; }

 private:
  MemoryLimit() = default;
  static Result<void> write(const std::string& path, const std::string& value) {
    std::ofstream f(path);
    f << value << std::flush;
    if (!f) return fail_errno(EIO, "write " + value + " to " + path);
    return {};
  }
  std::string dir_;
  bool owned_ = false;
};

}  // namespace

TEST_F(SignalsOom, VictimOverItsLimitGivesOneEventWithItsPidAndV2Cgroup) {
  auto cg = TestCgroup::create("sig-oom");
  ASSERT_TRUE(cg);
  auto limit = MemoryLimit::create(*cg, 64ull << 20);
  ASSERT_TRUE(limit) << limit.error().message();
  std::printf("memory limit through %s\n", limit->is_v1() ? "cgroup v1 memory controller" : "cgroup2 memory.max");

  auto trace = TraceSubscription::start(daemon_->socket(), "trace.oom", {{"cgroup", cg->path()}});
  ASSERT_TRUE(trace) << trace.error().message();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscribed

  // Joins the v1 memory cgroup and the v2 test cgroup, then allocates 1 GiB.
  auto victim = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "alloc", "1024"},
                                    {{limit->procs(), cg->full_path() + "/cgroup.procs"}, ""});
  ASSERT_TRUE(victim);
  const pid_t pid = victim->pid();
  auto code = victim->wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(*code, 128 + SIGKILL) << "the OOM killer kills with SIGKILL";

  (*trace)->wait_for(1, std::chrono::seconds(2));
  auto s = scrape();  // before the cgroup goes: dead cgroups' series are dropped
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // no second event
  auto events = (*trace)->stop();

  ASSERT_EQ(events.size(), 1u);
  const auto& ev = events[0];
  EXPECT_EQ(ev["kind"], "oom_kill");
  EXPECT_EQ(ev["pid"], pid);
  EXPECT_EQ(ev["cgroup"], cg->path());
  EXPECT_EQ(ev["cgroup_id"], cg->id());
  EXPECT_EQ(ev["comm"], "signals_workloa");  // TASK_COMM_LEN
  EXPECT_GE(ev["anon_rss_kb"].get<uint64_t>(), 32u << 10) << "the victim held most of its 64 MiB";
  EXPECT_LE(ev["anon_rss_kb"].get<uint64_t>(), 80u << 10);
  EXPECT_GT(ev["total_vm_kb"].get<uint64_t>(), ev["anon_rss_kb"].get<uint64_t>());
  EXPECT_EQ(sum_samples(s, "seismo_oom_kills_total", {{"cgroup", cg->path()}}), 1);
  expect_no_losses(s);
}
