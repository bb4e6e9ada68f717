// Faults end in the kernel: a fault outlives a SIGKILLed daemon exactly as
// long as its duration, and the next daemon adopts or removes what the dead
// one left (filters, qdiscs, pins, map entries).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "chaos/fault_engine.h"
#include "chaos_support.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The holder process; SIGKILLed on destruction if still alive.
class Holder {
 public:
  static Result<Holder> start(const TempBpffs& fs, const json& spec) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return fail_errno(errno, "pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(out[1], 1);
      const std::string s = spec.dump();
      ::execl(FAULT_HOLDER_PATH, FAULT_HOLDER_PATH, fs.bpffs().c_str(), fs.state_file().c_str(), s.c_str(), nullptr);
      _exit(127);
    }
    ::close(out[1]);
    Holder h(pid);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("ready", 0) != 0) return fail_plain("fault holder did not start: '" + line + "'");
    return h;
  }
  Holder(Holder&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  ~Holder() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  explicit Holder(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

class ChaosReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, tc, BPF)";
    auto lab = FaultLab::create();
    ASSERT_TRUE(lab) << lab.error().message();
    lab_.emplace(std::move(*lab));
    a_ = &lab_->a();
    ab_ = &lab_->veth();
    fs_ = &lab_->fs();
  }
  void TearDown() override {
    engine_.reset();
    if (lab_) {
      EXPECT_EQ(lab_->a_state(), lab_->a_before);
      EXPECT_TRUE(fs_->pins().empty());
    }
  }

  json loss_spec(const std::string& name, const std::string& duration) {
    return {{"name", name},
            {"target", {{"netns", a_->name()}, {"interface", ab_->a_name()}}},
            {"action", "loss"},
            {"loss", {{"percent", 100}}},
            {"duration", duration}};
  }

  void start_engine() {
    auto e = lab_->start_engine();
    ASSERT_TRUE(e) << e.error().message();
    engine_ = std::move(*e);
  }

  uint64_t received(size_t n = 200) {
    auto run = lab_->udp(n, 5555);
    EXPECT_TRUE(run);
    EXPECT_EQ(run ? run->send_errors : 1, 0u);
    return run ? run->received : 0;
  }

  std::optional<FaultLab> lab_;
  const TestNetns* a_ = nullptr;
  const VethPair* ab_ = nullptr;
  const TempBpffs* fs_ = nullptr;
  std::unique_ptr<FaultEngine> engine_;
};

}  // namespace

TEST_F(ChaosReconcileTest, FaultEndsOnTimeAfterSigkillAndRestartRemovesItsRemains) {
  const auto start = Clock::now();
  auto holder = Holder::start(*fs_, loss_spec("killed", "3s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  std::this_thread::sleep_until(start + std::chrono::seconds(1));
  holder->kill();
  // The daemon is gone; the kernel keeps applying the fault until 3 s.
  std::this_thread::sleep_until(start + std::chrono::milliseconds(2000));
  EXPECT_EQ(received(), 0u) << "the fault should still apply 2 s in";
  EXPECT_NE(lab_->a_state(), lab_->a_before) << "the dead daemon's filter is still there";
  std::this_thread::sleep_until(start + std::chrono::milliseconds(3500));
  EXPECT_EQ(received(), 200u) << "loss must stop within 3.5 s of the start";

  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.expired_removed, std::vector<std::string>{"killed"});
  EXPECT_TRUE(report.adopted.empty());
  EXPECT_EQ(report.filters_removed, 1u);
  EXPECT_EQ(report.devices_restored, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(lab_->a_state(), lab_->a_before) << "restart left seismo state on the device";
  EXPECT_TRUE(engine_->list()["faults"].empty());
}

TEST_F(ChaosReconcileTest, RestartAdoptsAStillRunningFaultWithItsCounters) {
  auto holder = Holder::start(*fs_, loss_spec("survivor", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(300), 0u);
  holder->kill();
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().adopted, std::vector<std::string>{"survivor"});
  auto faults = engine_->list()["faults"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["name"], "survivor");
  EXPECT_EQ(faults[0]["counters"]["dropped"], 300);
  EXPECT_EQ(received(100), 0u);
  EXPECT_EQ(engine_->samples().at(0).counters.dropped, 400u);
  ASSERT_TRUE(engine_->remove("survivor"));
  EXPECT_EQ(lab_->a_state(), lab_->a_before);
  EXPECT_EQ(received(100), 100u);
}

TEST_F(ChaosReconcileTest, LostStateFileClearsTheFaultAndReportsTheOrphanFilter) {
  auto holder = Holder::start(*fs_, loss_spec("orphaned", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  holder->kill();
  std::filesystem::remove(fs_->state_file());
  start_engine();
  // Without a record the device is unknown, but the fault's map entries
  // are cleared: its program passes everything from now on.
  EXPECT_EQ(engine_->reconcile_report().unknown_slots_cleared, 1u);
  EXPECT_EQ(engine_->reconcile_report().orphan_programs, 1u);
  EXPECT_EQ(received(), 200u);
  // What an operator does with the report: delete the tagged filter.
  auto state = lab_->a_state();
  EXPECT_NE(state.find("seismo-fault-"), std::string::npos);
  a_->exec({"tc", "qdisc", "del", "dev", ab_->a_name(), "clsact"});
}
