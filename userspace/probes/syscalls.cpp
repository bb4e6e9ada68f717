#include "probes/syscalls.h"

#include <bpf/bpf.h>

#include <bit>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "bpf/link.h"
#include "bpf/percpu.h"
#include "probes/hook_flavour.h"
#include "syscalls.skel.h"

namespace seismo::probes {

static_assert(sizeof(syscall_key) == 16, "syscall_key must match bpf/include/seismo/syscalls.h");
static_assert(sizeof(syscall_stats) == 32 + 8 * SEISMO_HIST_SLOTS, "syscall_stats layout");

static_assert(sizeof(syscall_slot) == 16 + sizeof(syscall_stats), "syscall_slot layout");

uint32_t default_cache_slots(unsigned cpus) {
  constexpr size_t kBudget = 8u << 20;
  size_t fit = kBudget / (sizeof(syscall_slot) * std::max(1u, cpus));
  return static_cast<uint32_t>(std::clamp<size_t>(std::bit_floor(std::max<size_t>(fit, 1)), 64, 4096));
}

namespace {
void add_stats(syscall_stats& into, const syscall_stats& v) {
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
  s.cgroup_id = key.cgroup_id;
  s.nr = key.nr;
  for (unsigned c = 0; c < ncpu; ++c) add_stats(s.stats, per_cpu[c]);
  return s;
}
}  // namespace

void SyscallsProbe::SkelDeleter::operator()(syscalls_bpf* s) const noexcept { syscalls_bpf__destroy(s); }

Result<std::unique_ptr<SyscallsProbe>> SyscallsProbe::create(const SyscallsProbeConfig& config) {
  if (config.max_entries == 0) return fail_errno(EINVAL, "syscalls probe: max_entries must be > 0");
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
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "syscalls probe");
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

// Rows live in the cache (one slot per CPU that saw the key) and in the
// hash (keys whose slot was taken): merge both into one row per key.
void SyscallsProbe::for_each(const std::function<void(const SyscallSample&)>& visit) {
  if (!cache_) return read_hash(visit);
  std::unordered_map<std::pair<uint64_t, uint32_t>, syscall_stats, KeyHash> merged;
  for (size_t i = 0; i < cache_->entries(); ++i) {
    const auto* slot = cache_->at<const syscall_slot>(i);
    if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SEISMO_SLOT_READY) continue;
    add_stats(merged[{slot->cgroup_id, slot->nr}], slot->stats);
  }
  read_hash([&](const SyscallSample& row) { add_stats(merged[{row.cgroup_id, row.nr}], row.stats); });
  for (const auto& [key, stats] : merged) {
    SyscallSample s;
    s.cgroup_id = key.first;
    s.nr = key.second;
    s.stats = stats;
    visit(s);
  }
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

// Safe without racing the kernel: a slot tagged with a dead cgroup is never
// written again (ids are not reused, and only FREE slots are claimed), so it
// can be zeroed and then released.
void SyscallsProbe::forget_rows(const std::vector<SyscallSample>& rows) {
  const int fd = bpf_map__fd(skel_->maps.syscall_stats);
  std::unordered_set<uint64_t> dead;
  for (const auto& row : rows) {
    syscall_key key{row.cgroup_id, row.nr, 0};
    bpf_map_delete_elem(fd, &key);
    dead.insert(row.cgroup_id);
  }
  if (!cache_ || dead.empty()) return;
  for (size_t i = 0; i < cache_->entries(); ++i) {
    auto* slot = cache_->at<syscall_slot>(i);
    if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SEISMO_SLOT_READY || !dead.count(slot->cgroup_id)) continue;
    std::memset(&slot->stats, 0, sizeof(slot->stats));
    slot->cgroup_id = 0;
    slot->nr = 0;
    __atomic_store_n(&slot->state, SEISMO_SLOT_FREE, __ATOMIC_RELEASE);
  }
}

std::vector<LossCount> SyscallsProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"syscall_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"syscall_task_storage", raw.at(SEISMO_LOSS_TASK_STORAGE)}};
}

}  // namespace seismo::probes
