#include "chaos/fault_maps.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "bpf/percpu.h"
#include "chaos/fault_peers.h"
#include "chaos/loaded_programs.h"

namespace seismo::chaos {

Result<std::unique_ptr<FaultMaps>> FaultMaps::open(const std::string& pin_dir) {
  auto anchor = ChaosObject::load_maps(pin_dir);
  if (!anchor) return fail(std::move(anchor).error());
  return std::unique_ptr<FaultMaps>(new FaultMaps(std::move(*anchor), pin_dir));
}

Result<void> FaultMaps::write_cfg(uint32_t slot, const fault_cfg& cfg) {
  return check_libbpf(bpf_map_update_elem(anchor_->map_fd(ChaosMap::cfg), &slot, &cfg, BPF_ANY),
                      fmt::format("write fault slot {}", slot));
}

Result<fault_cfg> FaultMaps::read_cfg(uint32_t slot) const {
  fault_cfg cfg{};
  if (int err = bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::cfg), &slot, &cfg); err != 0)
    return fail_errno(err, fmt::format("read fault slot {}", slot));
  return cfg;
}

Result<void> FaultMaps::clear_cfg(uint32_t slot) { return write_cfg(slot, fault_cfg{}); }

Result<void> FaultMaps::write_peers(uint32_t slot, uint64_t generation, const std::vector<Cidr>& cidrs) {
  const int fd = anchor_->map_fd(ChaosMap::peers);
  const fault_peer value{generation};
  for (const auto& c : cidrs) {
    const fault_peer_key key = peer_key(slot, c);
    if (int err = bpf_map_update_elem(fd, &key, &value, BPF_ANY); err != 0) {
      const int code = err < 0 ? -err : err;
      if (code == ENOSPC || code == E2BIG)
        return fail_errno(ENOSPC, fmt::format("write peer {} of fault slot {}: the peer table is full ({} prefixes "
                                              "over all faults)",
                                              c.to_string(), slot, SEISMO_FAULT_PEERS));
      return fail_errno(code, fmt::format("write peer {} of fault slot {}", c.to_string(), slot));
    }
  }
  return {};
}

Result<void> FaultMaps::delete_peers(uint32_t slot, const std::vector<Cidr>& cidrs) {
  const int fd = anchor_->map_fd(ChaosMap::peers);
  for (const auto& c : cidrs) {
    const fault_peer_key key = peer_key(slot, c);
    if (int err = bpf_map_delete_elem(fd, &key); err != 0 && err != -ENOENT)
      return fail_errno(-err, fmt::format("delete peer {} of fault slot {}", c.to_string(), slot));
  }
  return {};
}

namespace {

// Every entry of the trie with its value (get_next_key walks an LPM trie
// since 4.16; a NULL key starts at the first).
std::vector<std::pair<fault_peer_key, fault_peer>> peer_entries_of(int fd) {
  std::vector<std::pair<fault_peer_key, fault_peer>> out;
  fault_peer_key key{};
  fault_peer_key next{};
  const void* prev = nullptr;
  while (out.size() <= SEISMO_FAULT_PEERS && bpf_map_get_next_key(fd, prev, &next) == 0) {
    fault_peer value{};
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) out.emplace_back(next, value);
    key = next;
    prev = &key;
  }
  return out;
}

}  // namespace

size_t FaultMaps::purge_peers(const std::function<bool(const fault_peer_key& key, uint64_t generation)>& keep) {
  const int fd = anchor_->map_fd(ChaosMap::peers);
  size_t removed = 0;
  for (const auto& [key, value] : peer_entries_of(fd)) {
    if (keep(key, value.generation)) continue;
    if (bpf_map_delete_elem(fd, &key) == 0) ++removed;
  }
  return removed;
}

size_t FaultMaps::peer_entries() const { return peer_entries_of(anchor_->map_fd(ChaosMap::peers)).size(); }

Result<void> FaultMaps::write_attach(uint32_t attach_id, const fault_attach& att) {
  return check_libbpf(bpf_map_update_elem(anchor_->map_fd(ChaosMap::attach), &attach_id, &att, BPF_ANY),
                      fmt::format("write fault attachment {}", attach_id));
}

Result<fault_attach> FaultMaps::read_attach(uint32_t attach_id) const {
  fault_attach att{};
  if (int err = bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::attach), &attach_id, &att); err != 0)
    return fail_errno(err, fmt::format("read fault attachment {}", attach_id));
  return att;
}

Result<void> FaultMaps::reset_counters(uint32_t slot) {
  const unsigned ncpu = bpf::possible_cpus();
  std::vector<fault_stats> zero_stats(ncpu);
  if (auto r = check_libbpf(bpf_map_update_elem(anchor_->map_fd(ChaosMap::stats), &slot, zero_stats.data(), BPF_ANY),
                            fmt::format("reset counters of fault slot {}", slot));
      !r)
    return r;
  std::vector<uint64_t> zero(ncpu, 0);
  for (uint32_t i = 0; i < SEISMO_HIST_SLOTS; ++i) {
    uint32_t key = slot * SEISMO_HIST_SLOTS + i;
    if (auto r = check_libbpf(bpf_map_update_elem(anchor_->map_fd(ChaosMap::hist), &key, zero.data(), BPF_ANY),
                              fmt::format("reset histogram of fault slot {}", slot));
        !r)
      return r;
  }
  return {};
}

Result<void> FaultMaps::write_guard(uint32_t slot, const fault_guard& guard) {
  return check_libbpf(bpf_map_update_elem(anchor_->map_fd(ChaosMap::guards), &slot, &guard, BPF_ANY),
                      fmt::format("write the guard of fault slot {}", slot));
}

Result<fault_guard> FaultMaps::read_guard(uint32_t slot) const {
  fault_guard g{};
  if (int err = bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::guards), &slot, &g); err != 0)
    return fail_errno(-err, fmt::format("read the guard of fault slot {}", slot));
  return g;
}

Result<void> FaultMaps::add_guard_owner(const fault_guard_owner_key& owner, uint32_t slot) {
  const int fd = anchor_->map_fd(ChaosMap::guard_owners);
  fault_guard_owner value{};
  (void)bpf_map_lookup_elem(fd, &owner, &value);
  value.count = std::min<uint32_t>(value.count, SEISMO_FAULTS_PER_ATTACH);
  if (std::find(value.slots, value.slots + value.count, slot) != value.slots + value.count) return {};
  if (value.count >= SEISMO_FAULTS_PER_ATTACH)
    return fail_errno(ENOSPC, fmt::format("guard: {} {} is the target of {} guarded faults already (the most)",
                                          owner.kind == SEISMO_GUARD_OWNER_NETNS ? "netns" : "cgroup", owner.id,
                                          SEISMO_FAULTS_PER_ATTACH));
  value.slots[value.count++] = slot;
  if (int err = bpf_map_update_elem(fd, &owner, &value, BPF_ANY); err != 0) {
    const int code = err < 0 ? -err : err;
    if (code == E2BIG || code == ENOSPC)
      return fail_errno(ENOSPC, fmt::format("guard: the owner table is full ({} netns/cgroups over all guarded faults)",
                                            SEISMO_GUARD_OWNERS));
    return fail_errno(code, fmt::format("write guard owner {}", owner.id));
  }
  return {};
}

Result<void> FaultMaps::remove_guard_owner(const fault_guard_owner_key& owner, uint32_t slot) {
  const int fd = anchor_->map_fd(ChaosMap::guard_owners);
  fault_guard_owner value{};
  if (bpf_map_lookup_elem(fd, &owner, &value) != 0) return {};
  value.count = std::min<uint32_t>(value.count, SEISMO_FAULTS_PER_ATTACH);
  auto* end = std::remove(value.slots, value.slots + value.count, slot);
  value.count = static_cast<uint32_t>(end - value.slots);
  int err = value.count ? bpf_map_update_elem(fd, &owner, &value, BPF_ANY) : bpf_map_delete_elem(fd, &owner);
  if (err != 0 && err != -ENOENT) return fail_errno(-err, fmt::format("write guard owner {}", owner.id));
  return {};
}

std::vector<std::pair<fault_guard_owner_key, fault_guard_owner>> FaultMaps::guard_owners() const {
  const int fd = anchor_->map_fd(ChaosMap::guard_owners);
  std::vector<std::pair<fault_guard_owner_key, fault_guard_owner>> out;
  fault_guard_owner_key key{};
  fault_guard_owner_key next{};
  const void* prev = nullptr;
  while (out.size() <= SEISMO_GUARD_OWNERS && bpf_map_get_next_key(fd, prev, &next) == 0) {
    fault_guard_owner value{};
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) out.emplace_back(next, value);
    key = next;
    prev = &key;
  }
  return out;
}

size_t FaultMaps::purge_guard_owners(const std::function<bool(uint32_t slot)>& keep) {
  size_t removed = 0;
  for (const auto& [owner, value] : guard_owners())
    for (uint32_t i = 0; i < std::min<uint32_t>(value.count, SEISMO_FAULTS_PER_ATTACH); ++i)
      if (!keep(value.slots[i]) && remove_guard_owner(owner, value.slots[i])) ++removed;
  return removed;
}

namespace {

GuardReadout read_guard_of(int cfg_fd, int guard_fd, uint32_t slot) {
  GuardReadout out;
  fault_cfg cfg{};
  fault_guard g{};
  if (bpf_map_lookup_elem(cfg_fd, &slot, &cfg) != 0 || !(cfg.flags & SEISMO_FAULT_F_GUARD)) return out;
  if (bpf_map_lookup_elem(guard_fd, &slot, &g) != 0 || g.generation != cfg.generation) return out;
  out.present = true;
  for (size_t k = 0; k < kGuardBudgets; ++k) out.counts[k] = g.count[k];
  out.aborted_ns = g.aborted_ns;
  if (g.aborted_ns && g.abort_kind < kGuardBudgets) out.abort_budget = static_cast<GuardBudget>(g.abort_kind);
  out.abort_count = g.abort_count;
  return out;
}

}  // namespace

FaultCounters FaultMaps::counters(uint32_t slot) const {
  FaultCounters out;
  out.guard = read_guard_of(anchor_->map_fd(ChaosMap::cfg), anchor_->map_fd(ChaosMap::guards), slot);
  const unsigned ncpu = bpf::possible_cpus();
  std::vector<fault_stats> stats(ncpu);
  if (bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::stats), &slot, stats.data()) == 0) {
    for (const auto& s : stats) {
      out.passed += s.passed;
      out.dropped += s.dropped;
      out.delayed += s.delayed;
      out.delay_ns += s.delay_ns;
      out.duplicated += s.duplicated;
      out.corrupted += s.corrupted;
      out.reordered += s.reordered;
    }
  }
  std::vector<uint64_t> per_cpu(ncpu);
  for (uint32_t i = 0; i < SEISMO_HIST_SLOTS; ++i) {
    uint32_t key = slot * SEISMO_HIST_SLOTS + i;
    if (bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::hist), &key, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) out.delay_hist[i] += v;
  }
  return out;
}

std::vector<uint64_t> FaultMaps::losses() const {
  const unsigned ncpu = bpf::possible_cpus();
  std::vector<uint64_t> totals;
  std::vector<uint64_t> per_cpu(ncpu);
  for (uint32_t i = 0;; ++i) {
    if (bpf_map_lookup_elem(anchor_->map_fd(ChaosMap::losses), &i, per_cpu.data()) != 0) break;
    uint64_t sum = 0;
    for (uint64_t v : per_cpu) sum += v;
    totals.push_back(sum);
  }
  return totals;
}

uint32_t FaultMaps::cfg_map_id() const {
  bpf_map_info map_info{};
  uint32_t map_len = sizeof(map_info);
  if (bpf_map_get_info_by_fd(anchor_->map_fd(ChaosMap::cfg), &map_info, &map_len) != 0) return 0;
  return map_info.id;
}

std::vector<uint32_t> FaultMaps::program_ids() const {
  std::vector<uint32_t> out;
  const uint32_t cfg_id = cfg_map_id();
  if (cfg_id == 0) return out;
  for (const auto& prog : loaded_programs())
    if (std::find(prog.map_ids.begin(), prog.map_ids.end(), cfg_id) != prog.map_ids.end()) out.push_back(prog.id);
  return out;
}

Result<void> FaultMaps::unpin() { return anchor_->unpin_maps(pin_dir_); }

}  // namespace seismo::chaos
