// The seismo CLI as a user runs it, against a running seismod.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <future>

#include <nlohmann/json.hpp>

#include "support/seismod_process.h"
#include "support/test_cgroup.h"

using namespace seismo::testing;

namespace {

struct CliOutput {
  int exit_code;
  std::string out;
};

CliOutput run_cli(const std::string& socket, const std::string& args) {
  std::string cmd = std::string(SEISMO_CLI_PATH) + " --socket " + socket + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    auto d = SeismodProcess::start();
    ASSERT_TRUE(d) << d.error().message();
    daemon_.emplace(std::move(*d));
  }
  std::optional<SeismodProcess> daemon_;
};

}  // namespace

TEST_F(CliTest, StatusInEveryFormat) {
  auto json = run_cli(daemon_->socket(), "status -o json");
  ASSERT_EQ(json.exit_code, 0) << json.out;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["pid"], daemon_->pid());
  auto table = run_cli(daemon_->socket(), "status");
  EXPECT_NE(table.out.find("syscalls  attached"), std::string::npos) << table.out;
  auto yaml = run_cli(daemon_->socket(), "-o yaml status");
  EXPECT_NE(yaml.out.find("probes:"), std::string::npos) << yaml.out;
}

TEST_F(CliTest, TopOnceAsJsonShowsABusyCgroupsRate) {
  auto cg = TestCgroup::create("clitop");
  ASSERT_TRUE(cg);
  // Keep the cgroup busy while top samples.
  auto busy = std::async(std::launch::async, [&] {
    for (int i = 0; i < 8; ++i) (void)run_in_cgroup(*cg, {WORKLOAD_PATH, "50000", "0"});
  });
  auto r = run_cli(daemon_->socket(), "top -o json --interval 0.5");
  busy.wait();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = nlohmann::json::parse(r.out);
  double rate = 0;
  for (const auto& row : doc)
    if (row["cgroup"] == cg->path()) rate = row["syscalls_per_second"];
  EXPECT_GT(rate, 1000) << r.out;
}

TEST_F(CliTest, TraceExecPrintsOneJsonObjectPerLine) {
  auto cg = TestCgroup::create("clitrace");
  ASSERT_TRUE(cg);
  auto trace = std::async(std::launch::async, [&] {
    return run_cli(daemon_->socket(), "trace exec -o json --count 2 --cgroup " + cg->path());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 2; ++i) ASSERT_EQ(*run_in_cgroup(*cg, {WORKLOAD_PATH, "1", "0"}), 0);
  ASSERT_EQ(trace.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = trace.get();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    auto ev = nlohmann::json::parse(line);
    EXPECT_EQ(ev["cgroup"], cg->path());
    EXPECT_EQ(ev["filename"], WORKLOAD_PATH);
  }
  EXPECT_EQ(n, 2);
}

TEST_F(CliTest, ErrorsAreOneLineWithNonZeroExit) {
  auto r = run_cli("/nonexistent/seismo.sock", "status");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("is seismod running?"), std::string::npos) << r.out;
  auto bad = run_cli(daemon_->socket(), "status -o xml");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("xml"), std::string::npos) << bad.out;
  auto none = run_cli(daemon_->socket(), "");
  EXPECT_NE(none.exit_code, 0);
}

TEST_F(CliTest, SigintShutsTheDaemonDownCleanly) {
  ASSERT_EQ(kill(daemon_->pid(), SIGINT), 0);
  auto rc = daemon_->stop();  // already exiting; stop() reaps it
  ASSERT_TRUE(rc) << rc.error().message();
  EXPECT_EQ(*rc, 0);
  EXPECT_TRUE(no_seismo_programs_within());
}
