#include "chaos/stranded_programs.h"

#include <bpf/bpf.h>

#include <charconv>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "chaos.skel.h"
#include "chaos/loaded_programs.h"
#include "common/unique_fd.h"

namespace seismo::chaos {

namespace {

constexpr std::string_view kProgramPrefix = "tc_fault_";  // tc_fault_egress, tc_fault_ingres(s)

struct MapFacts {
  std::string name;
  uint32_t value_size = 0;
};

std::optional<MapFacts> map_facts(int fd) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_map_get_info_by_fd(fd, &info, &len) != 0) return std::nullopt;
  return MapFacts{info.name, info.value_size};
}

// The program's instance tag, read from its frozen .rodata (0 when it has
// none: another tool's program, or one loaded before tags existed).
uint64_t read_instance(int rodata_fd, uint32_t value_size) {
  using Rodata = chaos_bpf::chaos_bpf__rodata;
  constexpr size_t at = offsetof(Rodata, cfg_instance);
  if (value_size < at + sizeof(uint64_t) || value_size > 4096) return 0;
  std::vector<unsigned char> value(value_size);
  uint32_t key = 0;
  if (bpf_map_lookup_elem(rodata_fd, &key, value.data()) != 0) return 0;
  uint64_t tag = 0;
  std::memcpy(&tag, value.data() + at, sizeof(tag));
  return tag;
}

// prog id → its fault_cfg map id, for our tagged programs on other maps.
std::map<uint32_t, uint32_t> tagged_programs(uint64_t tag, uint32_t own_cfg_map_id) {
  std::map<uint32_t, uint32_t> out;
  for (const auto& prog : loaded_programs()) {
    if (prog.type != BPF_PROG_TYPE_SCHED_CLS || !prog.name.starts_with(kProgramPrefix)) continue;
    uint32_t cfg_map = 0;
    uint64_t instance = 0;
    for (uint32_t map_id : prog.map_ids) {
      UniqueFd map(bpf_map_get_fd_by_id(map_id));
      auto facts = map ? map_facts(map.get()) : std::nullopt;
      if (!facts) continue;
      if (facts->name == "fault_cfg") cfg_map = map_id;
      if (facts->name.ends_with(".rodata")) instance = read_instance(map.get(), facts->value_size);
    }
    if (instance == tag && cfg_map != 0 && cfg_map != own_cfg_map_id) out.emplace(prog.id, cfg_map);
  }
  return out;
}

// "map_id:\t17" / "prog_id:\t42" in a BPF object's fdinfo.
std::optional<uint32_t> fdinfo_id(const std::string& path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    size_t at = line.find_first_not_of(" \t", key.size());
    if (at == std::string::npos) return std::nullopt;
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(line.data() + at, line.data() + line.size(), v);
    if (ec != std::errc()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// The ids of BPF maps and programs some process holds open, limited to
// `wanted`; false when more than `max_fds` descriptors would be needed.
bool held_ids(const std::set<uint32_t>& maps, const std::set<uint32_t>& progs, size_t max_fds,
              std::set<uint32_t>& held_maps, std::set<uint32_t>& held_progs) {
  size_t seen = 0;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = proc.path().filename();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
      if (++seen > max_fds) return false;
      std::error_code link_ec;
      const auto target = std::filesystem::read_symlink(fd.path(), link_ec).string();
      const std::string info = fmt::format("/proc/{}/fdinfo/{}", pid, fd.path().filename().string());
      if (target == "anon_inode:bpf-map") {
        if (auto id = fdinfo_id(info, "map_id:"); id && maps.count(*id)) held_maps.insert(*id);
      } else if (target == "anon_inode:bpf-prog") {
        if (auto id = fdinfo_id(info, "prog_id:"); id && progs.count(*id)) held_progs.insert(*id);
      }
    }
  }
  return true;
}

}  // namespace

uint64_t instance_tag(std::string_view pin_dir) {
  std::string path = std::filesystem::path(pin_dir).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : path) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h ? h : 1;
}

StrandedScan find_stranded_programs(const std::string& pin_dir, uint32_t own_cfg_map_id, size_t max_fds) {
  StrandedScan scan;
  const auto tagged = tagged_programs(instance_tag(pin_dir), own_cfg_map_id);
  if (tagged.empty()) return scan;
  std::set<uint32_t> maps, progs, held_maps, held_progs;
  for (const auto& [prog, map] : tagged) {
    progs.insert(prog);
    maps.insert(map);
  }
  if (!held_ids(maps, progs, max_fds, held_maps, held_progs)) {
    scan.error = fmt::format("{} fault program(s) of this configuration on other maps were left alone: more than {} "
                             "open file descriptors to search for a live owner",
                             tagged.size(), max_fds);
    return scan;
  }
  for (const auto& [prog, map] : tagged)
    if (!held_maps.count(map) && !held_progs.count(prog)) scan.programs.push_back(prog);
  return scan;
}

}  // namespace seismo::chaos
