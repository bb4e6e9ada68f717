#pragma once
// The fault holder (chaos_fault_holder: a stand-in seismod that adds one
// fault and says "ready") as a child process, for the tests that SIGKILL a
// daemon holding a fault. The including test defines FAULT_HOLDER_PATH.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "chaos_support.h"
#include "common/result.h"

namespace seismo::testing {

class FaultHolder {
 public:
  // Starts the holder with `spec` (and, when given, its guard argument
  // "KEY=MAX") and waits for its first line; an error names that line
  // unless it is "ready".
  static Result<FaultHolder> start(const TempBpffs& fs, const nlohmann::json& spec, const std::string& guard = "") {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return fail_errno(errno, "pipe");
    const std::string s = spec.dump();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(out[1], 1);
      if (guard.empty())
        ::execl(FAULT_HOLDER_PATH, FAULT_HOLDER_PATH, fs.bpffs().c_str(), fs.state_file().c_str(), s.c_str(),
                nullptr);
      else
        ::execl(FAULT_HOLDER_PATH, FAULT_HOLDER_PATH, fs.bpffs().c_str(), fs.state_file().c_str(), s.c_str(),
                guard.c_str(), nullptr);
      _exit(127);
    }
    ::close(out[1]);
    FaultHolder h(pid);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("ready", 0) != 0) return fail_plain("fault holder did not start: '" + line + "'");
    return h;
  }
  FaultHolder(FaultHolder&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  FaultHolder& operator=(FaultHolder&&) = delete;
  ~FaultHolder() { kill(); }
  // SIGKILL and reap (nothing when already done).
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  explicit FaultHolder(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

}  // namespace seismo::testing
