#include "netns_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

namespace seismo::testing {

namespace {

std::atomic<int> g_counter{0};

std::string unique_suffix() { return fmt::format("{}n{}", ::getpid(), g_counter.fetch_add(1)); }

}  // namespace

CommandOutput run_command(const std::vector<std::string>& argv) {
  CommandOutput out;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return out;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return out;
  }
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipefd[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.output.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

Result<std::string> run_checked(const std::vector<std::string>& argv) {
  auto r = run_command(argv);
  if (r.status != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return fail_plain(fmt::format("`{}` exited {}: {}", cmd, r.status, r.output));
  }
  return r.output;
}

void TestNetns::sweep_stale() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("smc", 0) != 0) continue;
    const auto n = name.find('n', 3);
    if (n == std::string::npos) continue;
    pid_t pid = std::atoi(name.substr(3, n - 3).c_str());
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    run_command({"ip", "netns", "delete", name});
  }
}

Result<TestNetns> TestNetns::create() {
  static std::once_flag swept;
  std::call_once(swept, sweep_stale);
  const std::string name = "smc" + unique_suffix();
  if (auto r = run_checked({"ip", "netns", "add", name}); !r) return fail(std::move(r).error());
  UniqueFd fd(::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    int e = errno;
    run_command({"ip", "netns", "delete", name});
    return fail_errno(e, "open netns " + name);
  }
  TestNetns ns(name, std::move(fd));
  if (auto r = run_checked({"ip", "-n", name, "link", "set", "lo", "up"}); !r) return fail(std::move(r).error());
  return ns;
}

TestNetns::~TestNetns() {
  if (name_.empty()) return;
  fd_.reset();
  run_command({"ip", "netns", "delete", name_});
}

Result<UniqueFd> TestNetns::socket(int domain, int type, int protocol) const {
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) return fail_errno(errno, "open own netns");
  if (::setns(fd_.get(), CLONE_NEWNET) != 0) return fail_errno(errno, "enter netns " + name_);
  UniqueFd s(::socket(domain, type | SOCK_CLOEXEC, protocol));
  int e = errno;
  if (::setns(home.get(), CLONE_NEWNET) != 0) std::abort();  // a test thread must not stay in the wrong netns
  if (!s) return fail_errno(e, "create socket in netns " + name_);
  return s;
}

CommandOutput TestNetns::exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full);
}

Result<uint64_t> TestNetns::proc_net_field(const std::string& file, const std::string& proto,
                                           const std::string& field) const {
  const std::string path = "/proc/net/" + file;
  auto r = exec({"cat", path});
  if (r.status != 0) return fail_plain(fmt::format("read {} in {}", path, name_));
  std::istringstream in(r.output);
  std::string header, values;
  while (std::getline(in, header) && std::getline(in, values)) {
    if (header.rfind(proto + ":", 0) != 0) continue;
    std::istringstream h(header), v(values);
    std::string name, value;
    while (h >> name && v >> value)
      if (name == field) return std::stoull(value);
  }
  return fail_plain(fmt::format("no {} {} in {}", proto, field, path));
}

Result<VethPair> VethPair::create(const TestNetns& a, const TestNetns& b, const Options& options) {
  VethPair p;
  const std::string base = "smc" + unique_suffix();
  p.a_ns_ = a.name();
  p.a_name_ = base + "a";
  p.b_name_ = base + "b";
  if (p.a_name_.size() > 15) return fail_plain("veth name too long: " + p.a_name_);
  if (auto r = run_checked({"ip", "-n", a.name(), "link", "add", p.a_name_, "type", "veth", "peer", "name", p.b_name_,
                            "netns", b.name()});
      !r) {
    p.a_name_.clear();
    return fail(std::move(r).error());
  }
  auto strip = [](const std::string& cidr) { return cidr.substr(0, cidr.find('/')); };
  p.a_ip_ = strip(options.a_address);
  p.b_ip_ = strip(options.b_address);
  const std::string v6 = options.ipv6 ? "0" : "1";
  for (const auto& [ns, dev, addr] : {std::tuple{a.name(), p.a_name_, options.a_address},
                                      std::tuple{b.name(), p.b_name_, options.b_address}}) {
    if (auto r = run_checked({"ip", "netns", "exec", ns, "sysctl", "-qw",
                              fmt::format("net.ipv6.conf.{}.disable_ipv6={}", dev, v6)});
        !r)
      return fail(std::move(r).error());
    if (auto r = run_checked({"ip", "-n", ns, "addr", "add", addr, "dev", dev}); !r) return fail(std::move(r).error());
    if (auto r = run_checked({"ip", "-n", ns, "link", "set", dev, "up"}); !r) return fail(std::move(r).error());
  }
  return p;
}

VethPair::~VethPair() {
  if (a_name_.empty()) return;
  // Deleting one end removes both (and the netns going away would too).
  run_command({"ip", "-n", a_ns_, "link", "delete", a_name_});
}

}  // namespace seismo::testing

namespace seismo::testing {

Result<NetnsPair> NetnsPair::create(const VethPair::Options& options) {
  auto a = TestNetns::create();
  if (!a) return fail(std::move(a).error());
  auto b = TestNetns::create();
  if (!b) return fail(std::move(b).error());
  auto veth = VethPair::create(*a, *b, options);
  if (!veth) return fail(std::move(veth).error());
  return NetnsPair(std::move(*a), std::move(*b), std::move(*veth));
}

}  // namespace seismo::testing
