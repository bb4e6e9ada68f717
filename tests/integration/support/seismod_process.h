#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace seismo::testing {

// A free TCP port on 127.0.0.1 (bound then released).
uint16_t free_port();
std::string unique_socket_path(const std::string& tag);

// seismod running as a child process with its own metrics port and socket.
// Stopped with SIGTERM (then SIGKILL) on destruction.
class SeismodProcess {
 public:
  // `wrapper` runs seismod through another program (e.g. `nsenter --net=PATH`).
  static Result<SeismodProcess> start(std::vector<std::string> extra_args = {},
                                      std::chrono::seconds ready_timeout = std::chrono::seconds(20),
                                      std::vector<std::string> wrapper = {});
  SeismodProcess(SeismodProcess&& o) noexcept;
  SeismodProcess& operator=(SeismodProcess&&) = delete;
  ~SeismodProcess();

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& socket() const { return socket_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const;
  // SIGTERM and wait; returns the exit status (or 128+signal).
  Result<int> stop(std::chrono::seconds timeout = std::chrono::seconds(15));
  // Sends `sig` and returns at once.
  void signal(int sig) const;
  // Waits for seismod to exit by itself: its exit status (or 128+signal),
  // or an error while it still runs at the timeout.
  Result<int> wait(std::chrono::milliseconds timeout);
  void kill_hard();

 private:
  SeismodProcess() = default;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string socket_;
  std::string log_path_;
};

// Runs seismod to completion (for bad-input tests): exit code and stderr.
struct RunOutcome {
  int exit_code = -1;
  std::string output;
};
RunOutcome run_seismod(const std::vector<std::string>& args, uid_t as_uid = 0,
                       std::chrono::seconds timeout = std::chrono::seconds(30));

// Names of loaded BPF programs that seismo's objects define (read through
// the BPF syscall, so a test needs no bpftool).
std::vector<std::string> loaded_seismo_programs();
// The kernel frees a program after its last reference drops, deferred to
// RCU/workqueue; polls until none of seismo's remain or the timeout passes.
bool no_seismo_programs_within(std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GET http://127.0.0.1:port/path; empty optional-like error when it fails.
Result<std::string> http_get(uint16_t port, const std::string& path_and_query);

}  // namespace seismo::testing
