// seismod as users run it: a child process with a metrics port and a control
// socket, a workload in a cgroup of its own, and what a scrape shows.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "api/client.h"
#include "support/exposition.h"
#include "support/seismod_process.h"
#include "support/test_cgroup.h"
#include "support/trace_subscription.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

constexpr long kGetppid = 100000;
constexpr long kFailingOpenat = 777;
// A static binary's own start-up makes a few dozen syscalls, none of them
// getppid; execve's own return lands in the new cgroup too.
constexpr double kStartupSlack = 10;

std::vector<Sample> scrape(const SeismodProcess& d) {
  auto body = http_get(d.port(), "/metrics");
  EXPECT_TRUE(body) << body.error().message();
  return body ? parse_exposition(*body) : std::vector<Sample>{};
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests need root (CAP_BPF, CAP_PERFMON, cgroup writes)";
    auto d = SeismodProcess::start();
    ASSERT_TRUE(d) << d.error().message();
    daemon_.emplace(std::move(*d));
  }
  std::optional<SeismodProcess> daemon_;
};

}  // namespace

TEST_F(DaemonTest, CountsExactSyscallsAndErrorsPerCgroup) {
  auto cg = TestCgroup::create("count");
  ASSERT_TRUE(cg) << cg.error().message();
  auto rc = run_in_cgroup(*cg, {WORKLOAD_PATH, std::to_string(kGetppid), std::to_string(kFailingOpenat)});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);

  auto samples = scrape(*daemon_);
  const std::map<std::string, std::string> getppid = {{"cgroup", cg->path()}, {"syscall", "getppid"}};
  const std::map<std::string, std::string> openat = {{"cgroup", cg->path()}, {"syscall", "openat"}};
  EXPECT_GE(sum_samples(samples, "seismo_syscalls_total", getppid), kGetppid);
  EXPECT_LE(sum_samples(samples, "seismo_syscalls_total", getppid), kGetppid + kStartupSlack);
  EXPECT_EQ(sum_samples(samples, "seismo_syscall_errors_total", getppid), 0);
  EXPECT_GE(sum_samples(samples, "seismo_syscall_errors_total", openat), kFailingOpenat);
  EXPECT_LE(sum_samples(samples, "seismo_syscall_errors_total", openat), kFailingOpenat + kStartupSlack);

  // Histogram: +Inf bucket and _count equal the timed calls, which equal the
  // calls (every call started after the probe attached).
  std::map<std::string, std::string> inf = getppid;
  inf["le"] = "+Inf";
  double calls = sum_samples(samples, "seismo_syscalls_total", getppid);
  EXPECT_EQ(sum_samples(samples, "seismo_syscall_duration_seconds_bucket", inf), calls);
  EXPECT_EQ(sum_samples(samples, "seismo_syscall_duration_seconds_count", getppid), calls);
  EXPECT_GT(sum_samples(samples, "seismo_syscall_duration_seconds_sum", getppid), 0);
  // Buckets are cumulative: non-decreasing in le order as exported.
  double prev = -1;
  for (const auto& s : samples) {
    if (s.name != "seismo_syscall_duration_seconds_bucket" || s.labels.at("cgroup") != cg->path() ||
        s.labels.at("syscall") != "getppid")
      continue;
    EXPECT_GE(s.value, prev);
    prev = s.value;
  }
  EXPECT_EQ(sum_samples(samples, "seismo_process_execs_total", {{"cgroup", cg->path()}}), 1);
  for (const char* stage : {"syscall_map_full", "exec_ringbuf_full", "exec_map_full"})
    EXPECT_EQ(sum_samples(samples, "seismo_events_lost_total", {{"stage", stage}}), 0) << stage;
}

TEST_F(DaemonTest, RemovedCgroupLosesItsSeriesOnNextScrape) {
  auto cg = TestCgroup::create("gone");
  ASSERT_TRUE(cg);
  ASSERT_EQ(*run_in_cgroup(*cg, {WORKLOAD_PATH, "10", "1"}), 0);
  std::string path = cg->path();
  auto before = scrape(*daemon_);
  ASSERT_GT(count_samples(before, "seismo_syscalls_total", {{"cgroup", path}}), 0u);
  ASSERT_TRUE(cg->remove());
  auto after = scrape(*daemon_);
  EXPECT_EQ(count_samples(after, "seismo_syscalls_total", {{"cgroup", path}}), 0u);
  EXPECT_EQ(count_samples(after, "seismo_process_execs_total", {{"cgroup", path}}), 0u);
  EXPECT_EQ(count_samples(after, "seismo_syscall_duration_seconds_bucket", {{"cgroup", path}}), 0u);
}

TEST_F(DaemonTest, ExecEventsStreamWithTheRightCgroup) {
  auto cg = TestCgroup::create("exec");
  ASSERT_TRUE(cg);
  auto trace = TraceSubscription::start(daemon_->socket(), "trace.exec", {{"cgroup", cg->path()}}, 3);
  ASSERT_TRUE(trace) << trace.error().message();
  // Exec until three events arrived: the subscription may be slow to start
  // (slow guests), and only execs after it are streamed.
  std::vector<pid_t> pids;
  for (int i = 0; i < 250 && (*trace)->count() < 3; ++i) {
    pid_t pid = 0;
    ASSERT_EQ(*run_in_cgroup(*cg, {WORKLOAD_PATH, "1", "0"}, &pid), 0);
    pids.push_back(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto events = (*trace)->stop();
  ASSERT_EQ(events.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]["cgroup"], cg->path());
    EXPECT_EQ(events[i]["cgroup_id"], cg->id());
    EXPECT_NE(std::find(pids.begin(), pids.end(), events[i]["pid"].get<pid_t>()), pids.end()) << events[i].dump();
    EXPECT_EQ(events[i]["ppid"], getpid());
    EXPECT_EQ(events[i]["filename"], WORKLOAD_PATH);
    EXPECT_EQ(events[i]["comm"], "syscall_workloa");  // TASK_COMM_LEN truncation
  }
}

TEST_F(DaemonTest, StatusTopAndMalformedControlMessages) {
  auto c = api::Client::connect(daemon_->socket());
  ASSERT_TRUE(c);
  auto st = c->call("status");
  ASSERT_TRUE(st) << st.error().message();
  std::set<std::string> names;
  for (const auto& p : (*st)["probes"]) {
    names.insert(p["name"].get<std::string>());
    EXPECT_TRUE(p["attached"].get<bool>()) << p.dump();
  }
  for (const char* family : {"syscalls", "exec", "net", "tcp", "sched", "oom"}) EXPECT_TRUE(names.count(family)) << family;
  EXPECT_EQ((*st)["series"]["limit"], 10000);

  auto cg = TestCgroup::create("top");
  ASSERT_TRUE(cg);
  ASSERT_EQ(*run_in_cgroup(*cg, {WORKLOAD_PATH, "5000", "0"}), 0);
  auto top = c->call("top");
  ASSERT_TRUE(top);
  bool found = false;
  for (const auto& row : (*top)["cgroups"])
    if (row["cgroup"] == cg->path()) found = row["syscalls"].get<double>() >= 5000;
  EXPECT_TRUE(found) << top->dump();

  // Garbage on a raw connection: an error reply, and the daemon keeps serving.
  auto bad = c->call("no.such.method");
  EXPECT_FALSE(bad);
  auto bad_params = c->call("top", {{"limit", "many"}});
  ASSERT_FALSE(bad_params);
  EXPECT_NE(bad_params.error().message().find("'limit'"), std::string::npos);
  EXPECT_TRUE(c->call("status"));
}

TEST_F(DaemonTest, SigtermDetachesEveryProgramAndRemovesTheSocket) {
  EXPECT_FALSE(loaded_seismo_programs().empty());
  std::string sock = daemon_->socket();
  auto rc = daemon_->stop();
  ASSERT_TRUE(rc) << rc.error().message();
  EXPECT_EQ(*rc, 0) << daemon_->log();
  EXPECT_TRUE(no_seismo_programs_within());
  EXPECT_NE(access(sock.c_str(), F_OK), 0);
}

TEST(DaemonBadInput, EachFailsWithOneClearLineAndLeavesNothingAttached) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_TRUE(no_seismo_programs_within()) << "programs from an earlier run are still loaded";
  // Hold a port so "port in use" is real.
  uint16_t busy = free_port();
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(busy);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  std::string sock = unique_socket_path("bad");
  std::string port_ok = "127.0.0.1:" + std::to_string(free_port());

  struct Case {
    std::vector<std::string> args;
    std::string expect;
    uid_t uid = 0;
  };
  const std::vector<Case> cases = {
      {{"--bogus"}, "--bogus"},
      {{"--metrics-address", "127.0.0.1:99999", "--socket", sock}, "port must be a number from 1 to 65535"},
      {{"--metrics-address", "127.0.0.1:http", "--socket", sock}, "port must be"},
      {{"--metrics-address", "nohost", "--socket", sock}, "expected HOST:PORT"},
      {{"--metrics-address", "127.0.0.1:" + std::to_string(busy), "--socket", sock}, "Address already in use"},
      {{"--metrics-address", port_ok, "--socket", "/proc/seismo-test/seismod.sock"}, "control socket directory"},
      {{"--series-limit", "0"}, "--series-limit"},
      {{"--syscall-mode", "fast"}, "--syscall-mode"},
      {{"--metrics-address", port_ok, "--socket", sock}, "CAP_BPF", 65534},
  };
  for (const auto& c : cases) {
    auto out = run_seismod(c.args, c.uid);
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << out.output;
    // Exactly one error line (info lines from start-up may precede it).
    size_t errors = 0;
    std::istringstream in(out.output);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("seismod:", 0) == 0 || line.find(" error ") != std::string::npos) ++errors;
    EXPECT_EQ(errors, 1u) << out.output;
    EXPECT_TRUE(no_seismo_programs_within()) << "left attached after: " << out.output;
  }
  close(holder);
  EXPECT_NE(access(sock.c_str(), F_OK), 0);
}
