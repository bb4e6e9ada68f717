#include "support/test_cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "cgroup/mountinfo.h"

namespace seismo::testing {
namespace {

constexpr std::string_view kPrefix = "seismo-it-";

// The pid in "seismo-it-<tag>-<pid>-<n>", or 0.
pid_t owner_of(const std::string& name) {
  const auto last = name.rfind('-');
  if (last == std::string::npos || last == 0) return 0;
  const auto before = name.rfind('-', last - 1);
  if (before == std::string::npos) return 0;
  const std::string pid = name.substr(before + 1, last - before - 1);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) return 0;
  return static_cast<pid_t>(std::stol(pid));
}

}  // namespace

void TestCgroup::sweep_dead_runs(const std::string& mount) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(mount, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || !e.is_directory(ec)) continue;
    const pid_t pid = owner_of(name);
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    TestCgroup stale = TestCgroup::adopt(mount, "/" + name);
    (void)stale.remove();
  }
}

TestCgroup TestCgroup::adopt(std::string root, std::string rel) { return TestCgroup(std::move(root), std::move(rel)); }

Result<TestCgroup> TestCgroup::create(const std::string& tag) {
  auto mount = cgroup::find_mount("cgroup2");
  if (!mount) return fail(std::move(mount).error());
  static std::once_flag swept;
  std::call_once(swept, [&] { sweep_dead_runs(mount->mount_point); });
  static std::atomic<int> counter{0};
  std::string rel = "/" + std::string(kPrefix) + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  std::string full = mount->mount_point + rel;
  if (::mkdir(full.c_str(), 0755) != 0) return fail_errno(errno, "mkdir " + full);
  return TestCgroup(mount->mount_point, rel);
}

uint64_t TestCgroup::id() const {
  struct stat st {};
  if (::stat(full_path().c_str(), &st) != 0) return 0;
  return st.st_ino;
}

Result<void> TestCgroup::add(pid_t pid) const {
  std::ofstream procs(full_path() + "/cgroup.procs");
  procs << pid << std::flush;
  if (!procs) return fail_errno(EIO, "write pid to " + full_path() + "/cgroup.procs");
  return {};
}

Result<void> TestCgroup::remove() {
  if (rel_.empty()) return {};
  const std::string full = full_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ifstream procs(full + "/cgroup.procs");
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    if (::rmdir(full.c_str()) == 0 || errno == ENOENT) {
      rel_.clear();
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail_errno(errno, "rmdir " + full);
}

TestCgroup::~TestCgroup() { (void)remove(); }

Result<int> run_in_cgroup(const TestCgroup& cg, const std::vector<std::string>& argv, pid_t* child_pid) {
  std::string procs = cg.full_path() + "/cgroup.procs";
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(errno, "fork");
  if (pid == 0) {
    // Join the cgroup before exec, so exec and everything after counts there.
    FILE* f = std::fopen(procs.c_str(), "w");
    if (!f || std::fprintf(f, "0") < 0 || std::fclose(f) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  if (child_pid) *child_pid = pid;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fail_errno(errno, "waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace seismo::testing
