#include "owned_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace seismo::bench {

namespace {

int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

OwnedChild& OwnedChild::operator=(OwnedChild&& o) noexcept {
  if (this != &o) {
    kill_hard();
    pid_ = std::exchange(o.pid_, -1);
    out_ = std::move(o.out_);
  }
  return *this;
}

Result<OwnedChild> OwnedChild::spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, UniqueFd keep) {
  // Built before fork: the child of a threaded process only execs.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail_errno(errno, "fork " + argv.front());
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) _exit(126);  // the soak died before prctl
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return OwnedChild(pid, std::move(keep));
}

Result<OwnedChild> OwnedChild::spawn_logged(const std::vector<std::string>& argv, const std::string& log_path) {
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) return fail_errno(errno, "open " + log_path);
  return spawn(argv, log.get(), log.get(), UniqueFd());
}

Result<OwnedChild> OwnedChild::spawn_piped(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno(errno, "pipe2");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  UniqueFd devnull(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!devnull) return fail_errno(errno, "open /dev/null");
  if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) return fail_errno(errno, "O_NONBLOCK on a pipe");
  return spawn(argv, write_end.get(), devnull.get(), std::move(read_end));
}

std::optional<int> OwnedChild::poll_exit() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return decode(status);
}

Result<int> OwnedChild::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return fail_plain("child already reaped");
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto code = poll_exit()) return *code;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_hard();
  return fail_plain("did not exit within " + std::to_string(timeout.count()) + " ms of signal " +
                    std::to_string(sig));
}

void OwnedChild::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace seismo::bench
