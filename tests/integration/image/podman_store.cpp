#include "image/podman_store.h"

#include <unistd.h>

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

Result<PodmanStore> PodmanStore::create() {
  for (const char* tool : {"podman", "runc", "conmon"}) {
    if (!on_path(tool) && !std::filesystem::exists(std::string("/usr/bin/") + tool) &&
        !std::filesystem::exists(std::string("/usr/libexec/podman/") + tool))
      return fail_plain(fmt::format("{} is not installed", tool));
  }
  std::string tmpl = fmt::format("/var/tmp/seismo-image-{}-XXXXXX", ::getpid());
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
