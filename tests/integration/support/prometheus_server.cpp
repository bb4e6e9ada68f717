#include "support/prometheus_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <fmt/format.h>

#include "support/seismod_process.h"

namespace seismo::testing {

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

PrometheusServer::PrometheusServer(const std::string& binary, uint16_t target_port) : port_(free_port()) {
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

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }
  std::filesystem::remove_all(dir_);
}

bool PrometheusServer::wait_ready() {
  for (int i = 0; i < 200; ++i) {
    if (http_get(port_, "/-/ready")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_ + "/log");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace seismo::testing
