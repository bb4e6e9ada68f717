#include "daemon_footprint.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../bench_process.h"
#include "common/unique_fd.h"

namespace seismo::bench {

namespace fs = std::filesystem;

namespace {

// "prog_id:\t17" in /proc/PID/fdinfo/FD, or 0.
uint32_t fdinfo_id(const std::string& fdinfo_path, const std::string& key) {
  std::ifstream in(fdinfo_path);
  const std::string tag = key + ":";
  for (std::string line; std::getline(in, line);)
    if (line.rfind(tag, 0) == 0) return static_cast<uint32_t>(std::stoul(line.substr(tag.size())));
  return 0;
}

bool exists(uint32_t id, int (*get_fd)(__u32)) {
  UniqueFd fd(get_fd(id));
  return fd.valid() || errno != ENOENT;
}

void keep_existing(std::set<uint32_t>& ids, int (*get_fd)(__u32)) {
  for (auto it = ids.begin(); it != ids.end();) it = exists(*it, get_fd) ? std::next(it) : ids.erase(it);
}

}  // namespace

void BpfIds::merge(const BpfIds& other) {
  progs.insert(other.progs.begin(), other.progs.end());
  maps.insert(other.maps.begin(), other.maps.end());
  links.insert(other.links.begin(), other.links.end());
}

Result<DaemonFootprint> read_footprint(pid_t pid) {
  DaemonFootprint f;
  const std::string proc = "/proc/" + std::to_string(pid);
  f.rss_kib = status_kib(pid, "VmRSS");
  const long threads = status_kib(pid, "Threads");  // a plain number, same "Key: N" shape
  if (f.rss_kib < 0 || threads < 0) return fail_plain("no /proc status for pid " + std::to_string(pid));
  f.threads = static_cast<size_t>(threads);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(proc + "/fd", ec)) {
    ++f.fds;
    const auto target = fs::read_symlink(e.path(), ec).string();
    if (ec) continue;  // closed meanwhile
    const std::string info = proc + "/fdinfo/" + e.path().filename().string();
    if (target == "anon_inode:bpf-prog") {
      ++f.bpf_progs;
      if (uint32_t id = fdinfo_id(info, "prog_id")) f.ids.progs.insert(id);
    } else if (target == "anon_inode:bpf-map") {
      ++f.bpf_maps;
      if (uint32_t id = fdinfo_id(info, "map_id")) f.ids.maps.insert(id);
    } else if (target == "anon_inode:bpf_link") {
      ++f.bpf_links;
      if (uint32_t id = fdinfo_id(info, "link_id")) f.ids.links.insert(id);
    }
  }
  if (ec) return fail_errno(ec.value(), "list " + proc + "/fd");
  f.cpu_seconds = cpu_seconds(pid);
  return f;
}

BpfIds surviving(const BpfIds& ids, std::chrono::milliseconds timeout) {
  BpfIds left = ids;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    keep_existing(left.progs, bpf_prog_get_fd_by_id);
    keep_existing(left.maps, bpf_map_get_fd_by_id);
    keep_existing(left.links, bpf_link_get_fd_by_id);
    const bool none = left.progs.empty() && left.maps.empty() && left.links.empty();
    if (none || std::chrono::steady_clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace seismo::bench
