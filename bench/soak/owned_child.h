#pragma once

// A child process the soak owns: in its own process group (a terminal's
// Ctrl-C reaches only the soak, which then stops its children in order) and
// with PR_SET_PDEATHSIG, so it goes when the soak dies however it dies.
// Killed and reaped on destruction.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::bench {

class OwnedChild {
 public:
  // stdout and stderr to `log_path` (created or truncated).
  static Result<OwnedChild> spawn_logged(const std::vector<std::string>& argv, const std::string& log_path);
  // stdout to a pipe read through out_fd() (non-blocking), stderr to /dev/null.
  static Result<OwnedChild> spawn_piped(const std::vector<std::string>& argv);

  OwnedChild(OwnedChild&& o) noexcept : pid_(std::exchange(o.pid_, -1)), out_(std::move(o.out_)) {}
  OwnedChild& operator=(OwnedChild&& o) noexcept;
  OwnedChild(const OwnedChild&) = delete;
  OwnedChild& operator=(const OwnedChild&) = delete;
  ~OwnedChild() { kill_hard(); }

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] int out_fd() const { return out_.get(); }
  // The exit status if it has exited (exit code, or 128 + signal); reaps it.
  std::optional<int> poll_exit();
  // Sends `sig` and waits up to `timeout` for the exit status; a child still
  // there then is SIGKILLed and the result is an error.
  Result<int> stop(int sig, std::chrono::milliseconds timeout);
  void kill_hard();

 private:
  OwnedChild(pid_t pid, UniqueFd out) : pid_(pid), out_(std::move(out)) {}
  static Result<OwnedChild> spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, UniqueFd keep);
  pid_t pid_ = -1;
  UniqueFd out_;
};

}  // namespace seismo::bench
