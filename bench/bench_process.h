#pragma once

// Small process helpers shared by the benchmark programs.
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace seismo::bench {

// Starts argv with stdout/stderr to `log_path`; returns the pid (or -1).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path);
// Sends `sig`, waits up to `timeout`, then SIGKILLs.
void stop(pid_t pid, int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Waits until `path` exists as a file containing `needle` (or any content
// if needle is empty).
bool wait_for_text(const std::string& path, const std::string& needle, std::chrono::milliseconds timeout);
bool wait_for_socket(const std::string& path, std::chrono::milliseconds timeout);
uint16_t free_port();
// A kB figure from /proc/PID/status ("VmRSS", "VmHWM" = peak RSS, "RssAnon"),
// and cumulative CPU seconds (utime+stime) of a pid.
long status_kib(pid_t pid, const std::string& field);
double cpu_seconds(pid_t pid);

struct Spread {
  double median = 0, min = 0, max = 0;
};
Spread spread(std::vector<double> values);

}  // namespace seismo::bench
