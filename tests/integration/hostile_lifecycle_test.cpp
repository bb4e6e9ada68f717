// Start and stop at bad moments: a corrupt, lost or unreadable state file at
// start, and signals while clients are stuck, streaming or adding. Each case
// stops the suite's seismod on purpose; the next case starts a fresh one.
#include <signal.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "hostile_support.h"

using namespace seismo::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

class HostileLifecycle : public HostileTest {
 protected:
  SeismodProcess& daemon() { return world().daemon(); }
  // SIGTERM (or `sig`) must end seismod within 15 s with status 0 and remove
  // every fault, pin and the state file. 15 s: shutdown detaches a handful
  // of filters (milliseconds each); only a wait on a client takes longer.
  void expect_clean_exit(int sig = SIGTERM) {
    daemon().signal(sig);
    auto rc = daemon().wait(15s);
    if (!rc) {
      ADD_FAILURE() << "seismod did not exit within 15 s of signal " << sig << "\n" << daemon().log();
      daemon().kill_hard();
    } else {
      EXPECT_EQ(*rc, 0) << daemon().log();
    }
    world().forget_daemon();
    EXPECT_EQ(a_state(), a_before()) << "tc state left after shutdown";
    EXPECT_TRUE(lab().fs().pins().empty()) << "pins left after shutdown";
    EXPECT_FALSE(std::filesystem::exists(lab().fs().state_file())) << "state file left after shutdown";
  }
  void add(const std::string& name) {
    Reply r = call("fault.add", loss_fault(name));
    ASSERT_TRUE(r.ok) << r.message;
  }
  // Stops the suite's seismod (cleanly), writes `content` as the state
  // file, starts seismod again and hands it back to the suite.
  void restart_with_state(const std::string& content, bool keep_faults) {
    if (keep_faults) {
      daemon().kill_hard();  // as the kubelet's SIGKILL: filters stay
    } else {
      ASSERT_TRUE(daemon().stop());
    }
    world().forget_daemon();
    std::filesystem::remove_all(lab().fs().state_file());
    if (!content.empty()) std::ofstream(lab().fs().state_file(), std::ios::binary) << content;
    auto r = world().start(world().extra_args);
    ASSERT_TRUE(r) << "seismod refused to start with this state file: " << r.error().message();
  }
};

struct StateCase {
  const char* name;
  std::string content;  // "" : no state file at all
  bool live_fault;      // a fault's filter is on the device when seismod starts
  friend void PrintTo(const StateCase& c, std::ostream* os) { *os << c.name; }
};

class HostileStateFile : public HostileLifecycle, public ::testing::WithParamInterface<StateCase> {};

TEST_P(HostileStateFile, StartsAndLeavesNothingBehind) {
  const StateCase& c = GetParam();
  if (c.live_fault) add("orphan");
  restart_with_state(c.content, c.live_fault);
  EXPECT_TRUE(call("status").ok);
  // Reconcile, don't remember: filters carrying seismo's handle and name are
  // found on the device whatever the state file says (start-up reconcile;
  // 10 s covers a periodic pass too).
  EXPECT_TRUE(eventually([&] { return a_state() == a_before(); }, 10s))
      << "an orphaned seismo filter stayed on the device:\n" << a_state();
  // And the engine still works.
  add("after-restart");
  EXPECT_TRUE(call("fault.rm", {{"name", "after-restart"}}).ok);
}

INSTANTIATE_TEST_SUITE_P(
    Start, HostileStateFile,
    ::testing::Values(StateCase{"Garbage", "this is not json \x01\x02", false},
                      StateCase{"Truncated", R"({"version":1,"faults":[{"name":"x",)", false},
                      StateCase{"WrongTypes", R"({"version":1,"faults":5,"devices":"eth0"})", false},
                      StateCase{"NulBytes", std::string(4096, '\0'), false},
                      StateCase{"Empty", " ", false},
                      StateCase{"LostWithLiveFilter", "", true},
                      StateCase{"GarbageWithLiveFilter", "{{{{", true},
                      StateCase{"WrongTypesWithLiveFilter", R"({"version":1,"faults":{"a":1}})", true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(HostileLifecycle, StateFilePathIsADirectory) {
  ASSERT_TRUE(daemon().stop());
  world().forget_daemon();
  std::filesystem::create_directories(lab().fs().state_file() + "/sub");
  auto d = SeismodProcess::start(HostileWorld::default_args(lab()));
  if (d) {
    // Running is fine if faults then fail clearly (or work); never a crash.
    Reply r = call_once(d->socket(), "fault.add", loss_fault("dir-state"));
    EXPECT_TRUE(r.answered);
    if (r.ok) EXPECT_TRUE(call_once(d->socket(), "fault.rm", {{"name", "dir-state"}}).ok);
    EXPECT_TRUE(call_once(d->socket(), "status").ok);
    auto rc = d->stop();
    EXPECT_TRUE(rc && *rc < 128) << "seismod crashed";
  } else {
    EXPECT_NE(d.error().message().find(lab().fs().state_file()), std::string::npos) << d.error().message();
  }
  std::filesystem::remove_all(lab().fs().state_file());
  EXPECT_EQ(a_state(), a_before());
}

TEST_F(HostileLifecycle, SigtermWithAnIdleClient) {
  add("idle-client");
  auto idle = RawConnection::open(socket());
  ASSERT_TRUE(idle);
  std::this_thread::sleep_for(200ms);  // let the daemon accept it
  expect_clean_exit();
}

TEST_F(HostileLifecycle, SigtermWithAHalfSentRequest) {
  add("half-request");
  auto half = RawConnection::open(socket());
  ASSERT_TRUE(half);
  half->send(R"({"v":1,"id":1,"method":"fault.)");
  std::this_thread::sleep_for(200ms);
  expect_clean_exit();
}

TEST_F(HostileLifecycle, SigtermWhileStreaming) {
  add("streaming");
  auto stream = RawConnection::open(socket());
  ASSERT_TRUE(stream);
  ASSERT_TRUE(stream->call("trace.exec").ok);
  expect_clean_exit();
  EXPECT_TRUE(stream->closed_within(5s)) << "the stream was not ended by the shutdown";
}

TEST_F(HostileLifecycle, SigtermWithAStreamNobodyReads) {
  add("stuck-stream");
  auto stuck = RawConnection::open(socket());
  ASSERT_TRUE(stuck);
  int small = 4096;
  ::setsockopt(stuck->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  ASSERT_TRUE(stuck->call("trace.exec").ok);
  for (int i = 0; i < 300; ++i) (void)run_command({"/bin/true"});
  expect_clean_exit();
}

TEST_F(HostileLifecycle, SigtermWithManyIdleClients) {
  add("many-idle");
  std::vector<RawConnection> idle;
  for (int i = 0; i < 40; ++i)
    if (auto c = RawConnection::open(socket())) idle.push_back(std::move(*c));
  std::this_thread::sleep_for(300ms);
  expect_clean_exit();
}

TEST_F(HostileLifecycle, SigtermDuringAdd) {
  add("before-add");
  auto conn = RawConnection::open(socket());
  ASSERT_TRUE(conn);
  conn->send(request_line("fault.add", loss_fault("during-add")));
  expect_clean_exit();
}

TEST_F(HostileLifecycle, SigintIsAShutdownToo) {
  add("sigint");
  expect_clean_exit(SIGINT);
}

TEST_F(HostileLifecycle, SigtermTwice) {
  add("twice");
  daemon().signal(SIGTERM);
  expect_clean_exit(SIGTERM);
}

TEST_F(HostileLifecycle, SighupNeitherKillsNorLeavesFaults) {
  add("hup");
  daemon().signal(SIGHUP);
  // A daemon with no configuration to reload keeps running; one that treats
  // SIGHUP as a shutdown must clean up like SIGTERM.
  if (auto rc = daemon().wait(1s); rc) {
    world().forget_daemon();
    EXPECT_EQ(*rc, 0) << "SIGHUP killed seismod without a shutdown";
    EXPECT_EQ(a_state(), a_before()) << "SIGHUP left the fault's filter behind";
    // The suite's invariants expect no filter: clear what a kill left.
    a().exec({"tc", "qdisc", "del", "dev", a_dev(), "clsact"});
    return;
  }
  EXPECT_TRUE(call("status").ok);
  EXPECT_TRUE(call("fault.rm", {{"name", "hup"}}).ok);
}

TEST_F(HostileLifecycle, SigpipeIsIgnored) {
  daemon().signal(SIGPIPE);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(world().running());
}

TEST_F(HostileLifecycle, ClientVanishingMidReplyRaisesNoSigpipe) {
  // Ask for a large answer and hang up before reading it, many times.
  for (int i = 0; i < 50; ++i) {
    auto conn = RawConnection::open(socket());
    ASSERT_TRUE(conn);
    conn->send(request_line("top", json::object()) + request_line("status", json::object()));
  }
  EXPECT_TRUE(world().running());
}

}  // namespace
