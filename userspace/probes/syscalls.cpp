#include "probes/syscalls.h"

#include <bpf/bpf.h>

#include <bit>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "bpf/link.h"
#include "bpf/percpu.h"
#include "doctor/attach_probe.h"
#include "probes/hook_flavour.h"
#include "syscalls.skel.h"

namespace seismo::probes {

static_assert(sizeof(syscall_key) == 16, "syscall_key must match bpf/include/seismo/syscalls.h");
static_assert(sizeof(syscall_stats) == 40 + 8 * SEISMO_HIST_SLOTS, "syscall_stats layout");

static_assert(sizeof(syscall_slot) == 16 + sizeof(syscall_stats), "syscall_slot layout");

uint32_t default_cache_slots(unsigned cpus) {
  constexpr size_t kBudget = 8u << 20;
  size_t fit = kBudget / (sizeof(syscall_slot) * std::max(1u, cpus));
  return static_cast<uint32_t>(std::clamp<size_t>(std::bit_floor(std::max<size_t>(fit, 1)), 64, 4096));
}

namespace {
// Counts add up; the cgroup id is in one CPU's copy and 0 in the others.
void add_stats(syscall_stats& into, const syscall_stats& v) {
  into.cgroup_id = std::max(into.cgroup_id, v.cgroup_id);
  into.calls += v.calls;
  into.errors += v.errors;
  into.timed += v.timed;
  into.dur_sum_ns += v.dur_sum_ns;
  for (int i = 0; i < SEISMO_HIST_SLOTS; ++i) into.hist[i] += v.hist[i];
}

struct KeyHash {
  size_t operator()(const std::pair<uint64_t, uint32_t>& k) const noexcept {
    return std::hash<uint64_t>()(k.first * 0x9E3779B97F4A7C15ULL ^ k.second);
  }
};

SyscallSample sum_cpus(const syscall_key& key, const syscall_stats* per_cpu, unsigned ncpu) {
  SyscallSample s;
  s.nr = key.nr;
  for (unsigned c = 0; c < ncpu; ++c) add_stats(s.stats, per_cpu[c]);
  s.cgroup_id = s.stats.cgroup_id;
  return s;
}
}  // namespace

void SyscallsProbe::SkelDeleter::operator()(syscalls_bpf* s) const noexcept { syscalls_bpf__destroy(s); }

Result<std::unique_ptr<SyscallsProbe>> SyscallsProbe::create(const SyscallsProbeConfig& config) {
  if (config.max_entries == 0) return fail_errno(EINVAL, "syscalls probe: max_entries must be > 0");
  if (auto gap = doctor::syscalls_probe_gap(); !gap.empty()) return fail_plain("syscalls probe: " + gap);
  const unsigned ncpu = bpf::possible_cpus();
  const uint32_t slots = config.cache_slots_per_cpu.value_or(default_cache_slots(ncpu));
  if (slots != 0 && !std::has_single_bit(slots))
    return fail_errno(EINVAL, "syscalls probe: cache slots per CPU must be a power of two");
  using Ptr = std::unique_ptr<syscalls_bpf, SkelDeleter>;
  auto loaded = load_with_fallback<Ptr>(
      &syscalls_bpf__open_opts, &syscalls_bpf__load,
      [&](syscalls_bpf* s) -> Result<void> {
        s->rodata->cfg_mode = config.count_only ? SEISMO_SYSCALL_MODE_COUNT : SEISMO_SYSCALL_MODE_FULL;
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.syscall_stats, config.max_entries),
                                  "size syscall_stats map");
            !r)
          return r;
        s->rodata->cfg_cache_slots = slots;
        s->rodata->cfg_cache_cpus = ncpu;
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.syscall_cache, std::max(1u, slots * ncpu)),
                                  "size syscall_cache map");
            !r)
          return r;
        if (config.count_only) {
          // Count mode needs no start stamps: skip the sys_enter hook entirely.
          bpf_program__set_autoload(s->progs.syscall_enter, false);
          bpf_program__set_autoload(s->progs.syscall_enter_raw, false);
        }
        return {};
      },
      "syscalls probe", config.only_flavour);
  if (!loaded) return fail(std::move(loaded).error());

  std::unique_ptr<SyscallsProbe> probe(new SyscallsProbe());
  probe->skel_ = std::move(loaded->skel);
  probe->cache_slots_ = slots;
  if (slots) {
    auto mapped = bpf::MappedMap::map(probe->skel_->maps.syscall_cache);
    if (!mapped) return fail(std::move(mapped).error().wrap("syscalls probe"));
    probe->cache_.emplace(std::move(*mapped));
  }
  probe->status_ = ProbeStatus{"syscalls", false, flavour_name(loaded->flavour), loaded->fallback_reason};
  // The rmdir hook first: a cgroup removed before it is attached must not
  // have rows (its address may be reused by a new cgroup).
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "syscalls probe", [](bpf_program* p) {
    return std::string_view(bpf_program__section_name(p)).ends_with("/cgroup_rmdir");
  });
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

// Rows live in the cache (one slot per CPU that saw the key) and in the
// hash (keys whose slot was taken): merge both into one row per key.
void SyscallsProbe::for_each(const std::function<void(const SyscallSample&)>& visit) {
  if (!cache_) return read_hash([&](const SyscallSample& row) {
      if (row.cgroup_id) visit(row);
    });
  std::vector<SyscallSample> merged;
  std::unordered_map<std::pair<uint64_t, uint32_t>, size_t, KeyHash> index;
  merged.reserve(last_rows_);
  index.reserve(last_rows_);
  auto merge = [&](uint32_t nr, const syscall_stats& stats) {
    if (!stats.cgroup_id) return;  // a slot being wiped, or a row not yet stamped
    auto [it, fresh] = index.try_emplace({stats.cgroup_id, nr}, merged.size());
    if (fresh) {
      merged.push_back(SyscallSample{stats.cgroup_id, nr, stats});
      return;
    }
    add_stats(merged[it->second].stats, stats);
  };
  for (size_t i = 0; i < cache_->entries(); ++i) {
    const auto* slot = cache_->at<const syscall_slot>(i);
    if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SEISMO_SLOT_READY) continue;
    merge(slot->nr, slot->stats);
  }
  read_hash([&](const SyscallSample& row) { merge(row.nr, row.stats); });
  last_rows_ = merged.size();
  for (const auto& row : merged) visit(row);
}

void SyscallsProbe::read_hash(const std::function<void(const SyscallSample&)>& visit) {
  const int fd = bpf_map__fd(skel_->maps.syscall_stats);
  const unsigned ncpu = bpf::possible_cpus();
  constexpr uint32_t kBatch = 256;
  keys_buf_.resize(kBatch * sizeof(syscall_key));
  values_buf_.resize(size_t{kBatch} * ncpu * sizeof(syscall_stats));

  if (batch_supported_) {
    // Batched reads: one syscall per kBatch rows instead of two per row.
    syscall_key out_batch{};
    bool first = true;
    for (;;) {
      uint32_t count = kBatch;
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      int err = bpf_map_lookup_batch(fd, first ? nullptr : &out_batch, &out_batch, keys_buf_.data(),
                                     values_buf_.data(), &count, &opts);
      int e = err ? errno : 0;
      if (err && e != ENOENT) {
        if (first && (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP)) {
          batch_supported_ = false;
          break;
        }
        log::warn("syscalls probe: batch read failed: {}", std::strerror(e));
        return;
      }
      first = false;
      auto* keys = reinterpret_cast<const syscall_key*>(keys_buf_.data());
      auto* vals = reinterpret_cast<const syscall_stats*>(values_buf_.data());
      for (uint32_t i = 0; i < count; ++i) visit(sum_cpus(keys[i], vals + size_t{i} * ncpu, ncpu));
      if (e == ENOENT) return;
    }
  }
  read_hash_iterating(visit);
}

void SyscallsProbe::read_hash_iterating(const std::function<void(const SyscallSample&)>& visit) {
  const int fd = bpf_map__fd(skel_->maps.syscall_stats);
  const unsigned ncpu = bpf::possible_cpus();
  std::vector<syscall_stats> per_cpu(ncpu);
  syscall_key key{}, next{};
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0) {
    first = false;
    key = next;
    if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) != 0) continue;
    visit(sum_cpus(key, per_cpu.data(), ncpu));
  }
}

std::vector<LossCount> SyscallsProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"syscall_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"syscall_task_storage", raw.at(SEISMO_LOSS_TASK_STORAGE)}};
}

}  // namespace seismo::probes
