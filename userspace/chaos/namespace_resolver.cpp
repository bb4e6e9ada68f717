#include "chaos/namespace_resolver.h"

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace seismo::chaos {

namespace {
constexpr size_t kMaxCgroupDirs = 4096;
constexpr size_t kMaxCgroupProcs = 65536;
}  // namespace

Result<std::vector<Endpoint>> NamespaceResolver::resolve(const TargetSpec& target) {
  std::vector<Endpoint> out;
  switch (target.kind) {
    case TargetKind::netns: {
      if (target.netns.empty() || target.netns.find('/') != std::string::npos)
        return fail_errno(EINVAL, fmt::format("target.netns: '{}' is not a namespace name", target.netns));
      auto ns = net::Netns::by_name(target.netns, netns_dir_);
      if (!ns) return fail(std::move(ns).error().wrap("target.netns"));
      out.push_back({std::move(*ns), target.interface, fmt::format("netns {}", target.netns), {}, {}, {}});
      return out;
    }
    case TargetKind::pid: {
      auto ns = net::Netns::of_pid(target.pid);
      if (!ns) return fail(std::move(ns).error().wrap("target.pid"));
      out.push_back({std::move(*ns), target.interface, fmt::format("pid {}", target.pid), {}, {}, {}});
      return out;
    }
    case TargetKind::cgroup: return resolve_cgroup(target);
    case TargetKind::pods:
      return fail_errno(EOPNOTSUPP, "selector: pod selectors need this node's pods from the Kubernetes API (start "
                                    "seismod with --node-name and --kubeconfig, or in a cluster)");
  }
  return fail_errno(EINVAL, "target: unknown kind");
}

Result<std::vector<Endpoint>> NamespaceResolver::resolve_cgroup(const TargetSpec& target) {
  namespace fs = std::filesystem;
  std::string rel = target.cgroup;
  // Accept absolute paths under the mount as well as mount-relative ones.
  if (rel.rfind(cgroup_root_, 0) == 0) rel = rel.substr(cgroup_root_.size());
  fs::path dir = fs::path(cgroup_root_) / fs::path(rel).relative_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail_errno(ENOENT, fmt::format("target.cgroup: cgroup '{}' not found (no directory {})", target.cgroup,
                                          dir.string()));
  std::vector<pid_t> pids;
  size_t dirs = 0;
  auto read_procs = [&](const fs::path& d) {
    std::ifstream in(d / "cgroup.procs");
    pid_t pid = 0;
    while (in >> pid && pids.size() < kMaxCgroupProcs) pids.push_back(pid);
  };
  read_procs(dir);
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    if (++dirs > kMaxCgroupDirs) break;
    read_procs(it->path());
  }
  std::optional<CgroupTarget> cgroup;
  if (target.by_socket) {
    auto read = read_cgroup_target(cgroup_root_, dir.string());
    if (!read) return fail(std::move(read).error());
    cgroup = std::move(*read);
  }
  std::vector<Endpoint> out;
  for (pid_t pid : pids) {
    auto ns = net::Netns::of_pid(pid);
    if (!ns) continue;  // exited meanwhile
    bool seen = false;
    for (const auto& e : out) seen = seen || e.netns.same_as(*ns);
    if (!seen)
      out.push_back({std::move(*ns), target.interface, fmt::format("cgroup {} (pid {})", target.cgroup, pid), {}, {},
                     cgroup});
  }
  if (out.empty())
    return fail_errno(ESRCH, fmt::format("target.cgroup: cgroup '{}' has no processes (no network namespace to "
                                         "apply the fault in)",
                                         target.cgroup));
  return out;
}

}  // namespace seismo::chaos
