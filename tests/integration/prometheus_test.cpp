// A real Prometheus server (Debian's package) scrapes seismod; PromQL through
// its HTTP API sees the test cgroup's syscall rate. promtool checks the
// exposition format.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/prometheus_server.h"
#include "support/seismod_process.h"
#include "support/test_cgroup.h"

using namespace seismo::testing;
namespace fs = std::filesystem;

TEST(Prometheus, ScrapesSeismodAndPromqlSeesTheCgroupRate) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string prom = find_tool("prometheus");
  if (prom.empty()) GTEST_SKIP() << "Debian's prometheus package is not installed (README setup installs it)";
  auto d = SeismodProcess::start();
  ASSERT_TRUE(d) << d.error().message();
  auto cg = TestCgroup::create("prom");
  ASSERT_TRUE(cg);
  PrometheusServer server(prom, d->port());
  ASSERT_TRUE(server.wait_ready()) << "prometheus did not become ready";

  // Keep the cgroup busy across several scrapes so rate() has two points.
  std::string query = url_encode("rate(seismo_syscalls_total{cgroup=\"" + cg->path() + "\",syscall=\"getppid\"}[5s])");
  double rate = 0;
  for (int attempt = 0; attempt < 30 && rate <= 0; ++attempt) {
    ASSERT_EQ(*run_in_cgroup(*cg, {WORKLOAD_PATH, "20000", "0"}), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto body = http_get(server.port(), "/api/v1/query?query=" + query);
    if (!body) continue;
    auto doc = nlohmann::json::parse(*body, nullptr, false);
    ASSERT_FALSE(doc.is_discarded());
    ASSERT_EQ(doc["status"], "success") << *body;
    for (const auto& r : doc["data"]["result"]) rate = std::stod(r["value"][1].get<std::string>());
  }
  EXPECT_GT(rate, 0) << "PromQL never returned a positive getppid rate for " << cg->path();
}

TEST(Prometheus, PromtoolFindsNothingWrongWithTheExposition) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string promtool = find_tool("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  auto d = SeismodProcess::start();
  ASSERT_TRUE(d) << d.error().message();
  auto body = http_get(d->port(), "/metrics");
  ASSERT_TRUE(body);
  std::string file = "/tmp/seismo-exposition-" + std::to_string(getpid()) + ".txt";
  std::ofstream(file) << *body;
  std::string out_file = file + ".out";
  int rc = system((promtool + " check metrics < " + file + " > " + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(file);
  fs::remove(out_file);
  EXPECT_EQ(rc, 0) << report;
  EXPECT_TRUE(report.empty()) << report;
}
