#include "image/podman_store.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace seismo::testing {
namespace {

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

// A store whose test process died (killed at its timeout) still holds
// containers and mounted layers: reset and remove it.
void PodmanStore::sweep_stale() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/var/tmp", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    const pid_t pid = std::atoi(name.c_str() + std::strlen(kPrefix));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    for (const auto& c : std::filesystem::directory_iterator(e.path(), ec)) {
      ::umount2((c.path() / "bpffs").c_str(), MNT_DETACH);  // a container's private bpffs
    }
    PodmanStore stale(e.path().string());  // its destructor resets and removes it
  }
}

Result<PodmanStore> PodmanStore::create() {
  for (const char* tool : {"podman", "runc", "timeout"}) {
    if (!on_path(tool)) return fail_plain(fmt::format("{} is not installed (or not on PATH)", tool));
  }
  sweep_stale();
  std::string tmpl = fmt::format("/var/tmp/{}{}-XXXXXX", kPrefix, ::getpid());
  if (::mkdtemp(tmpl.data()) == nullptr) return fail_errno(errno, "create " + tmpl);
  PodmanStore store(tmpl);
  std::ofstream conf(tmpl + "/containers.conf");
  conf << "[containers]\n"
          "default_ulimits = []\n"
          "[engine]\n"
          "runtime = \"runc\"\n"
          "cgroup_manager = \"cgroupfs\"\n"
          "events_logger = \"none\"\n";
  conf.close();
  if (!conf) return fail_plain("write " + tmpl + "/containers.conf");
  return store;
}

PodmanStore::~PodmanStore() {
  if (dir_.empty()) return;
  // Removes every container and image of this store and unmounts its layers.
  (void)run({"system", "reset", "--force"}, std::chrono::seconds(120));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

CommandOutput PodmanStore::run(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {"timeout",
                                   "--kill-after=10",
                                   std::to_string(timeout.count()),
                                   "env",
                                   "CONTAINERS_CONF=" + dir_ + "/containers.conf",
                                   "podman",
                                   "--root",
                                   dir_ + "/root",
                                   "--runroot",
                                   dir_ + "/runroot",
                                   "--tmpdir",
                                   dir_ + "/libpod-tmp"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

Result<std::string> PodmanStore::run_checked(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
  auto r = run(args, timeout);
  if (r.status != 0) {
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    return fail_plain(fmt::format("`podman{}` exited {}: {}", cmd, r.status, r.output));
  }
  return r.output;
}

}  // namespace seismo::testing
