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

#include "support/seismod_process.h"
#include "support/test_cgroup.h"

using namespace seismo::testing;
namespace fs = std::filesystem;

namespace {

std::string find_tool(const char* name) {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// A Prometheus server in a temporary directory, killed on destruction.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& binary, uint16_t target_port) : port_(free_port()) {
    char tmpl[] = "/tmp/seismo-prom-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                            << "scrape_configs:\n  - job_name: seismo\n    static_configs:\n"
                                            << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = dir_ + "/log";
      freopen(log.c_str(), "w", stdout);
      freopen(log.c_str(), "a", stderr);
      std::string cfg = "--config.file=" + dir_ + "/prometheus.yml";
      std::string data = "--storage.tsdb.path=" + dir_ + "/data";
      std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      execl(binary.c_str(), binary.c_str(), cfg.c_str(), data.c_str(), listen.c_str(), nullptr);
      _exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
    fs::remove_all(dir_);
  }
  bool wait_ready() {
    for (int i = 0; i < 200; ++i) {
      if (http_get(port_, "/-/ready")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

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
