#include "support/seismod_process.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "api/client.h"
#include "common/unique_fd.h"

namespace seismo::testing {

uint16_t free_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

std::string unique_socket_path(const std::string& tag) {
  static std::atomic<int> n{0};
  return "/tmp/seismo-it-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".sock";
}

namespace {
int wait_with_timeout(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log_path, uid_t as_uid,
            const std::vector<std::string>& wrapper = {}) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  if (as_uid != 0 && (::setgid(as_uid) != 0 || ::setuid(as_uid) != 0)) _exit(125);
  std::vector<char*> argv;
  for (const auto& w : wrapper) argv.push_back(const_cast<char*>(w.c_str()));
  // SEISMO_TEST_SEISMOD runs the tests against another build (e.g. the
  // previous release, to check that a new test fails there).
  const char* other = std::getenv("SEISMO_TEST_SEISMOD");  // NOLINT(concurrency-mt-unsafe): forked child
  static std::string binary = other && *other ? other : SEISMOD_PATH;
  argv.push_back(binary.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  _exit(127);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Result<SeismodProcess> SeismodProcess::start(std::vector<std::string> extra_args, std::chrono::seconds ready_timeout,
                                             std::vector<std::string> wrapper) {
  SeismodProcess p;
  p.port_ = free_port();
  p.socket_ = unique_socket_path("sock");
  p.log_path_ = p.socket_ + ".log";
  std::vector<std::string> args = {"--metrics-address", "127.0.0.1:" + std::to_string(p.port_), "--socket", p.socket_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  p.pid_ = spawn(args, p.log_path_, 0, wrapper);
  if (p.pid_ < 0) return fail_errno(errno, "fork seismod");
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(p.pid_, &status, WNOHANG) == p.pid_) {
      p.pid_ = -1;
      return fail_plain("seismod exited during start-up: " + slurp(p.log_path_));
    }
    if (auto c = api::Client::connect(p.socket_); c && c->call("status")) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail_plain("seismod not ready within timeout: " + slurp(p.log_path_));
}

SeismodProcess::SeismodProcess(SeismodProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), port_(o.port_), socket_(std::exchange(o.socket_, {})), log_path_(std::exchange(o.log_path_, {})) {}

SeismodProcess::~SeismodProcess() {
  if (pid_ > 0) (void)stop();
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
  // A seismod that was SIGKILLed (restart tests) never removed its socket.
  if (!socket_.empty()) ::unlink(socket_.c_str());
}

std::string SeismodProcess::log() const { return slurp(log_path_); }

Result<int> SeismodProcess::stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return fail_plain("seismod not running");
  ::kill(pid_, SIGTERM);
  int code = wait_with_timeout(pid_, timeout);
  if (code < 0) {
    kill_hard();
    return fail_plain("seismod did not stop within the timeout after SIGTERM");
  }
  pid_ = -1;
  return code;
}

void SeismodProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

Result<int> SeismodProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return fail_plain("seismod not running");
  int code = wait_with_timeout(pid_, timeout);
  if (code < 0) return fail_plain("seismod still running");
  pid_ = -1;
  return code;
}

void SeismodProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

RunOutcome run_seismod(const std::vector<std::string>& args, uid_t as_uid, std::chrono::seconds timeout) {
  std::string log = unique_socket_path("run") + ".log";
  pid_t pid = spawn(args, log, as_uid);
  RunOutcome out;
  out.exit_code = wait_with_timeout(pid, timeout);
  if (out.exit_code < 0) {
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
  }
  out.output = slurp(log);
  ::unlink(log.c_str());
  return out;
}

std::vector<std::string> loaded_seismo_programs() {
  static const std::set<std::string> ours = {"syscall_enter", "syscall_exit", "syscall_enter_r", "syscall_exit_ra",
                                             "syscall_cgroup_",  // syscall_cgroup_rmdir[_raw], cut to 15
                                             "exec_sched", "exec_sched_raw",
                                             // signals: net, tcp, sched, oom probes and the tests' tc drop
                                             "cgskb_ingress", "cgskb_egress", "tcp_state", "tcp_state_raw",
                                             "tcp_retrans", "tcp_retrans_raw", "tcp_rst_tx", "tcp_rst_tx_raw",
                                             "tcp_rst_rx", "tcp_rst_rx_raw", "runq_wakeup", "runq_wakeup_raw",
                                             "runq_wknew", "runq_wknew_raw", "runq_switch", "runq_switch_raw", "runq_switch_ts",
                                             "oom_victim", "oom_victim_raw", "sigtest_drop"};
  std::vector<std::string> found;
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) continue;
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    if (ours.count(info.name)) found.emplace_back(info.name);
  }
  return found;
}

bool no_seismo_programs_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!loaded_seismo_programs().empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

Result<std::string> http_get(uint16_t port, const std::string& path_and_query) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);
  auto res = cli.Get(path_and_query.c_str());
  if (!res) return fail_errno(ECONNREFUSED, "GET " + path_and_query + " on port " + std::to_string(port));
  if (res->status != 200)
    return fail_plain("GET " + path_and_query + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return res->body;
}

}  // namespace seismo::testing
