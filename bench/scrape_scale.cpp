// bench/scrape_scale: how scrape time, series count, seismod RSS and idle CPU
// grow with the number of cgroups (10 → 100 → 1,000), each of which has run a
// small process. Run once with the default series budget and once with the
// budget lifted, so the cost of bounding is visible next to the unbounded cost.
// "collect ms" is seismod's own seismo_scrape_duration_seconds (reading the maps
// and building the families, before serialisation); RSS is read after the idle
// period, peak is VmHWM.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>

#include "bench_process.h"

using namespace seismo::bench;
using Clock = std::chrono::steady_clock;

namespace {

std::string cgroup2_root() {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    auto dash = line.find(" - cgroup2 ");
    if (dash == std::string::npos) continue;
    // field 5 is the mount point
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) pos = line.find(' ', pos) + 1;
    return line.substr(pos, line.find(' ', pos) - pos);
  }
  return "";
}

void run_in(const std::string& cg) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = fopen((cg + "/cgroup.procs").c_str(), "w");
    if (!f) _exit(126);
    fprintf(f, "0");
    fclose(f);
    execl(WORKLOAD_PATH, WORKLOAD_PATH, "100", "3", nullptr);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
}

struct Point {
  size_t cgroups;
  double scrape_ms_median, scrape_ms_max, collect_ms;
  size_t series, bytes;
  long rss_kib, peak_kib;
  double idle_cpu_pct;
};

Point measure(pid_t daemon, uint16_t port, size_t ncg, double idle_seconds) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(60);
  std::vector<double> ms;
  Point p{ncg, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    auto res = cli.Get("/metrics");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!res) continue;
    p.bytes = res->body.size();
    size_t series = 0, pos = 0;
    const std::string& b = res->body;
    while (pos < b.size()) {
      size_t nl = b.find('\n', pos);
      if (b.compare(pos, 7, "seismo_") == 0) ++series;
      if (b.compare(pos, 31, "seismo_scrape_duration_seconds ") == 0)
        p.collect_ms = std::stod(b.substr(pos + 31, nl - pos - 31)) * 1e3;
      pos = nl == std::string::npos ? b.size() : nl + 1;
    }
    p.series = series;
  }
  auto s = spread(ms);
  p.scrape_ms_median = s.median;
  p.scrape_ms_max = s.max;
  double c0 = cpu_seconds(daemon);
  std::this_thread::sleep_for(std::chrono::duration<double>(idle_seconds));
  p.idle_cpu_pct = (cpu_seconds(daemon) - c0) / idle_seconds * 100;
  // Between scrapes (what a Prometheus-scraped daemon shows nearly all the
  // time), and the peak so far (VmHWM: during the largest scrape).
  p.rss_kib = status_kib(daemon, "VmRSS");
  p.peak_kib = status_kib(daemon, "VmHWM");
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  double idle = argc > 1 ? std::atof(argv[1]) : 10.0;
  if (geteuid() != 0) {
    fprintf(stderr, "scrape_scale: run as root\n");
    return 1;
  }
  std::string root = cgroup2_root();
  if (root.empty()) {
    fprintf(stderr, "scrape_scale: no cgroup2 mount\n");
    return 1;
  }
  std::string base = root + "/seismo-bench-" + std::to_string(getpid());
  mkdir(base.c_str(), 0755);
  std::vector<std::string> cgs;

  fmt::print("scrape_scale: each cgroup ran one static process (~15 distinct syscalls); idle CPU over {:.0f} s\n", idle);
  for (const char* limit : {"10000", "10000000"}) {
    std::string sock = base + ".sock";
    sock = "/tmp/seismo-bench-scale-" + std::to_string(getpid()) + ".sock";
    uint16_t port = free_port();
    pid_t d = spawn({SEISMOD_PATH, "--metrics-address", "127.0.0.1:" + std::to_string(port), "--socket", sock,
                     "--series-limit", limit, "--map-entries", "65536", "--log-level", "warn"},
                    "/tmp/seismo-bench-scale.log");
    if (!wait_for_socket(sock, std::chrono::seconds(20))) {
      fprintf(stderr, "seismod did not start\n");
      stop(d);
      return 1;
    }
    fmt::print("\n--series-limit {}\n{:>8} {:>12} {:>10} {:>14} {:>9} {:>10} {:>9} {:>9} {:>10}\n", limit, "cgroups",
               "scrape ms", "max ms", "collect ms", "series", "bytes", "RSS MiB", "peak MiB", "idle CPU%");
    // A fresh daemon sees the workloads of earlier configs too: start counting
    // from the cgroups it will see run now.
    for (auto& cg : cgs) rmdir(cg.c_str());
    cgs.clear();
    for (size_t target : {10, 100, 1000}) {
      while (cgs.size() < target) {
        std::string cg = base + "/cg" + std::to_string(cgs.size());
        mkdir(cg.c_str(), 0755);
        run_in(cg);
        cgs.push_back(cg);
      }
      auto p = measure(d, port, target, idle);
      fmt::print("{:>8} {:>12.2f} {:>10.2f} {:>14.2f} {:>9} {:>10} {:>9.1f} {:>9.1f} {:>10.3f}\n", p.cgroups,
                 p.scrape_ms_median, p.scrape_ms_max, p.collect_ms, p.series, p.bytes,
                 static_cast<double>(p.rss_kib) / 1024.0, static_cast<double>(p.peak_kib) / 1024.0, p.idle_cpu_pct);
      fflush(stdout);
    }
    stop(d);
    unlink("/tmp/seismo-bench-scale.log");
  }
  for (auto& cg : cgs) rmdir(cg.c_str());
  rmdir(base.c_str());
  return 0;
}
