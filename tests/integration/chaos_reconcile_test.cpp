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
#include <fstream>
#include <optional>
#include <thread>

#include "chaos/fault_engine.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "fault_holder.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {


class ChaosReconcileTest : public FaultLabTest {
 protected:
  json loss_spec(const std::string& name, const std::string& duration) {
    return loss(name, 100, {{"duration", duration}});
  }

  uint64_t received(size_t n = 200) {
    auto run = lab_->udp(n, 5555);
    EXPECT_TRUE(run);
    EXPECT_EQ(run ? run->send_errors : 1, 0u);
    return run ? run->received : 0;
  }
};

}  // namespace

TEST_F(ChaosReconcileTest, FaultEndsOnTimeAfterSigkillAndRestartRemovesItsRemains) {
  const auto start = Clock::now();
  auto holder = FaultHolder::start(*fs_, loss_spec("killed", "3s"));
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
  auto holder = FaultHolder::start(*fs_, loss_spec("survivor", "60s"));
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

// Before: the orphan filter was only counted (orphan_programs 1) and stayed
// on the device for good. Filters carry our tag and run programs that use
// our pinned maps: the restart finds them in every namespace it can reach.
TEST_F(ChaosReconcileTest, LostStateFileStillRemovesTheFilter) {
  auto holder = FaultHolder::start(*fs_, loss_spec("orphaned", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  holder->kill();
  EXPECT_NE(lab_->a_state().find("seismo-fault-"), std::string::npos);
  std::filesystem::remove(fs_->state_file());
  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.unknown_slots_cleared, 1u);
  EXPECT_EQ(report.filters_removed, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_GE(report.namespaces_swept, 2u);  // ours and the test's netns at least
  EXPECT_EQ(lab_->a_state(), lab_->a_before) << "the orphan filter (or its clsact) is still there";
  EXPECT_EQ(received(), 200u);
}

// Pins and state file both lost (a bpffs unmounted or cleared while seismod
// was down): the dead daemon's programs are on maps nobody can open by path.
// Before: nothing was found (no pins, no record) and the filter dropped
// every packet until its expiry. Programs carry their daemon's instance tag.
TEST_F(ChaosReconcileTest, LostStateFileAndPinsStillRemoveTheFilter) {
  auto holder = FaultHolder::start(*fs_, loss_spec("stranded", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  holder->kill();
  std::filesystem::remove(fs_->state_file());
  std::filesystem::remove_all(fs_->bpffs() + "/seismo");
  ASSERT_TRUE(fs_->pins().empty());
  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_EQ(report.filters_removed, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_TRUE(report.errors.empty()) << report.to_json().dump();
  EXPECT_EQ(lab_->a_state(), lab_->a_before) << "the stranded filter (or its clsact) is still there";
  EXPECT_EQ(received(), 200u);
}

// The same tag on maps a live process holds is another daemon's running
// fault (same pin path, another bpffs): never removed on a guess. Once that
// process is gone, the next start removes it.
TEST_F(ChaosReconcileTest, TaggedFilterOfALiveDaemonIsLeftAloneUntilItDies) {
  auto holder = FaultHolder::start(*fs_, loss_spec("alive", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  std::filesystem::remove(fs_->state_file());
  std::filesystem::remove_all(fs_->bpffs() + "/seismo");
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().filters_removed, 0u);
  EXPECT_EQ(received(), 0u) << "a live daemon's fault was removed";
  engine_.reset();
  holder->kill();
  std::filesystem::remove(fs_->state_file());
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().filters_removed, 1u);
  EXPECT_EQ(received(), 200u);
}

TEST_F(ChaosReconcileTest, CorruptStateFileStillRemovesTheFilter) {
  auto holder = FaultHolder::start(*fs_, loss_spec("corrupted", "60s"));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  holder->kill();
  {
    std::ofstream out(fs_->state_file(), std::ios::trunc);
    out << "{\"version\": 1, \"boot_id\": \"x\", \"faults\": [tr";
  }
  start_engine();
  const auto& report = engine_->reconcile_report();
  EXPECT_FALSE(report.errors.empty()) << "the corrupt file should be reported";
  EXPECT_EQ(report.filters_removed, 1u);
  EXPECT_EQ(report.orphan_programs, 0u);
  EXPECT_EQ(lab_->a_state(), lab_->a_before);
  EXPECT_EQ(received(), 200u);
}

namespace {

// Interface names are chosen by whoever owns the target netns: any bytes but
// '/', ':' and whitespace, not necessarily UTF-8.
const std::string kHostileName = std::string("\xff\xfe\x80-x\xc3", 6);

// Renames the sender's veth end (down, rename, up); renames it back on
// destruction so the fixture finds its device again.
class RenamedDevice {
 public:
  RenamedDevice(const TestNetns& ns, std::string from, std::string to)
      : ns_(ns), from_(std::move(from)), to_(std::move(to)) {
    ok_ = rename(from_, to_);
  }
  ~RenamedDevice() {
    if (ok_) rename(to_, from_);
  }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  bool rename(const std::string& a, const std::string& b) {
    return ns_.exec({"ip", "link", "set", "dev", a, "down"}).status == 0 &&
           ns_.exec({"ip", "link", "set", "dev", a, "name", b}).status == 0 &&
           ns_.exec({"ip", "link", "set", "dev", b, "up"}).status == 0;
  }
  const TestNetns& ns_;
  std::string from_, to_;
  bool ok_ = false;
};

}  // namespace

// Before: the state file's JSON dump threw (type_error 316) inside add(),
// the filter stayed attached and unrecorded, and the expiry thread's next
// save terminated the process.
TEST_F(ChaosReconcileTest, DeviceNameThatIsNotUtf8IsAddedListedExpiredAndRemoved) {
  RenamedDevice renamed(*a_, ab_->a_name(), kHostileName);
  ASSERT_TRUE(renamed.ok()) << "could not rename the veth to non-UTF-8 bytes";
  const std::string before = tc_state(*a_, kHostileName);
  start_engine();
  json spec = loss_spec("hostile", "3s");
  spec["target"].erase("interface");  // the only device besides lo
  auto parsed = parse_fault_spec(spec);
  ASSERT_TRUE(parsed) << parsed.error().message();
  auto added = engine_->add(*parsed);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(received(), 0u);

  // What `fault ls` sends: dumped for the wire, never throwing.
  std::string listed;
  EXPECT_NO_THROW(listed = engine_->list().dump(-1, ' ', false, json::error_handler_t::replace));
  EXPECT_NE(listed.find("hostile"), std::string::npos);
  // The state file holds the exact name, so a restarted daemon finds it.
  auto state = load_engine_state(fs_->state_file());
  ASSERT_TRUE(state && *state) << (state ? "no state file" : state.error().message());
  ASSERT_EQ((*state)->devices.size(), 1u);
  EXPECT_EQ((*state)->devices[0].ifname, kHostileName);

  // The expiry thread removes it (3 s fault; 20 s is the deadline on a
  // loaded machine, the thread wakes at the expiry itself).
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!engine_->list()["faults"].empty() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(engine_->list()["faults"].empty());
  EXPECT_EQ(tc_state(*a_, kHostileName), before);
  EXPECT_EQ(received(), 200u);

  // And once more, removed by hand.
  ASSERT_TRUE(engine_->add(*parsed));
  ASSERT_TRUE(engine_->remove("hostile"));
  EXPECT_EQ(tc_state(*a_, kHostileName), before);
  engine_.reset();
}

// The exact bytes survive the state file: a restarted daemon adopts the
// device a dead one faulted and cleans it.
TEST_F(ChaosReconcileTest, RestartAdoptsAFaultOnANonUtf8Device) {
  RenamedDevice renamed(*a_, ab_->a_name(), kHostileName);
  ASSERT_TRUE(renamed.ok()) << "could not rename the veth to non-UTF-8 bytes";
  const std::string before = tc_state(*a_, kHostileName);
  json spec = loss_spec("hostile-held", "60s");
  spec["target"].erase("interface");
  auto holder = FaultHolder::start(*fs_, spec);
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_EQ(received(), 0u);
  holder->kill();
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().adopted, std::vector<std::string>{"hostile-held"});
  EXPECT_TRUE(engine_->reconcile_report().errors.empty());
  ASSERT_TRUE(engine_->remove("hostile-held"));
  EXPECT_EQ(tc_state(*a_, kHostileName), before);
  EXPECT_EQ(received(), 200u);
  engine_.reset();
}

// An add whose state cannot be written is undone: nothing the state file
// does not know may stay attached.
TEST_F(ChaosReconcileTest, AddThatCannotBeSavedIsRolledBack) {
  start_engine();
  // A non-empty directory where the state file goes: rename(2) fails.
  std::filesystem::create_directories(fs_->state_file() + "/blocker");
  auto parsed = parse_fault_spec(loss_spec("unsaved", "60s"));
  ASSERT_TRUE(parsed);
  auto added = engine_->add(*parsed);
  EXPECT_FALSE(added);
  if (!added) {
    EXPECT_NE(added.error().message().find("rolled back"), std::string::npos) << added.error().message();
  }
  EXPECT_TRUE(engine_->list()["faults"].empty());
  EXPECT_EQ(lab_->a_state(), lab_->a_before);
  EXPECT_EQ(received(), 200u);
  std::filesystem::remove_all(fs_->state_file());
}

// A pod's netns has no name under /run/netns: the sweep reaches it through
// its processes' /proc/PID/ns/net.
TEST_F(ChaosReconcileTest, LostStateFileFilterInAnUnnamedNetnsIsFoundThroughProc) {
  pid_t pod = ::fork();
  if (pod == 0) {
    ::execlp("unshare", "unshare", "--net", "sleep", "600", nullptr);
    _exit(127);
  }
  ASSERT_GT(pod, 0);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{pod};
  const std::string pod_ns = fmt::format("/proc/{}/ns/net", pod);
  auto own = net::Netns::current();
  ASSERT_TRUE(own);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto ns = net::Netns::open(pod_ns);
    if (ns && !ns->same_as(*own)) break;
    ASSERT_LT(Clock::now(), deadline) << "unshare --net did not start";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  json spec = {{"name", "in-pod"},
               {"target", {{"pid", static_cast<int>(pod)}, {"interface", "lo"}}},
               {"action", "loss"},
               {"loss", {{"percent", 100}}},
               {"duration", "60s"}};
  auto holder = FaultHolder::start(*fs_, spec);
  ASSERT_TRUE(holder) << holder.error().message();
  auto filters = [&] {
    return run_command({"nsenter", "--net=" + pod_ns, "tc", "filter", "show", "dev", "lo", "egress"}).output;
  };
  EXPECT_NE(filters().find("seismo-fault-"), std::string::npos);
  holder->kill();
  std::filesystem::remove(fs_->state_file());
  start_engine();
  EXPECT_EQ(engine_->reconcile_report().filters_removed, 1u);
  EXPECT_EQ(engine_->reconcile_report().orphan_programs, 0u);
  EXPECT_EQ(filters(), "");
}
