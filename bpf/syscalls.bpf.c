// SPDX-License-Identifier: GPL-2.0
/* Per-cgroup, per-syscall calls, errors and latency, aggregated in the kernel.
 *
 * Count mode hooks only sys_exit (the syscall number comes from
 * regs->orig_ax), so each syscall pays for one tracepoint hit. Full mode adds
 * sys_enter to stamp the start time in task local storage. Both hooks ship as
 * tp_btf and raw_tp; userspace autoloads one flavour. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "seismo/syscalls.h"
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"

_Static_assert(sizeof(struct syscall_key) == 16, "syscall_key layout");
_Static_assert(sizeof(struct syscall_stats) == 32 + 8 * SEISMO_HIST_SLOTS, "syscall_stats layout");
_Static_assert(sizeof(struct syscall_slot) == 16 + sizeof(struct syscall_stats), "syscall_slot layout");

const volatile __u8 cfg_mode = SEISMO_SYSCALL_MODE_FULL;
/* Cache slots per CPU (a power of two; 0 disables the cache) and how many
 * CPU regions the cache array holds. */
const volatile __u32 cfg_cache_slots = 0;
const volatile __u32 cfg_cache_cpus = 0;

struct syscall_start {
	__u64 ts_ns;
	__u64 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
} syscall_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_start);
} syscall_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* userspace sets cpus × slots before load */
	__type(key, __u32);
	__type(value, struct syscall_slot);
} syscall_cache SEC(".maps");

SEISMO_DEFINE_LOSSES();

/* Zero-initialised value for new keys; too large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syscall_stats);
} syscall_zero SEC(".maps");

static __always_inline void on_enter(long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscall_start *start;

	start = bpf_task_storage_get(&syscall_start, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!start) {
		loss__count(&losses, SEISMO_LOSS_TASK_STORAGE);
		return;
	}
	start->ts_ns = bpf_ktime_get_ns();
	start->nr = id;
}

/* cache__slot_hash - mixes both key fields into every bit (a 64-bit
 * finalizer): a plain multiply would leave the low slot bits blind to nr. */
static __always_inline __u32 cache__slot_hash(__u64 cgroup_id, __u32 nr)
{
	__u64 x = cgroup_id ^ ((__u64)nr * 0x9E3779B97F4A7C15ULL);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (__u32)x;
}

/* cache__get - the key's slot in this CPU's cache region, claiming a free
 * one; NULL when the slot holds another key (or is being claimed). The claim
 * is a compare-and-swap because a preempted program on this CPU may race. */
static __always_inline struct syscall_stats *cache__get(const struct syscall_key *key)
{
	struct syscall_slot *slot;
	__u32 cpu, idx, h;

	if (!cfg_cache_slots)
		return 0;
	cpu = bpf_get_smp_processor_id();
	if (cpu >= cfg_cache_cpus)
		return 0;
	h = cache__slot_hash(key->cgroup_id, key->nr);
	idx = cpu * cfg_cache_slots + (h & (cfg_cache_slots - 1));
	slot = bpf_map_lookup_elem(&syscall_cache, &idx);
	if (!slot)
		return 0;
	if (slot->state == SEISMO_SLOT_READY) {
		if (slot->cgroup_id == key->cgroup_id && slot->nr == key->nr)
			return &slot->stats;
		return 0;
	}
	if (slot->state != SEISMO_SLOT_FREE ||
	    __sync_val_compare_and_swap(&slot->state, SEISMO_SLOT_FREE, SEISMO_SLOT_CLAIMING) != SEISMO_SLOT_FREE)
		return 0;
	slot->cgroup_id = key->cgroup_id;
	slot->nr = key->nr;
	slot->state = SEISMO_SLOT_READY;
	return &slot->stats;
}

/* stats__get - the row for key: the cache slot, else the hash row (the zero
 * template is looked up only when the hash row is new). */
static __always_inline struct syscall_stats *stats__get(const struct syscall_key *key)
{
	struct syscall_stats *stats;
	__u32 zero = 0;
	void *init;

	stats = cache__get(key);
	if (stats)
		return stats;
	stats = bpf_map_lookup_elem(&syscall_stats, key);
	if (stats)
		return stats;
	init = bpf_map_lookup_elem(&syscall_zero, &zero);
	if (!init)
		return 0;
	return map__lookup_or_init(&syscall_stats, key, init);
}

/* nr is regs->orig_ax: read directly by tp_btf (typed pointer), through
 * bpf_probe_read_kernel by raw_tp. */
static __always_inline void on_exit(__u32 nr, long ret)
{
	struct syscall_key key = {};
	struct syscall_start *start = 0;
	struct syscall_stats *stats;

	if (cfg_mode == SEISMO_SYSCALL_MODE_FULL)
		start = bpf_task_storage_get(&syscall_start, bpf_get_current_task_btf(), 0, 0);
	key.cgroup_id = bpf_get_current_cgroup_id();
	key.nr = nr;
	/* rt_sigreturn restores orig_ax = -1 before sys_exit fires; the number
	 * stamped at sys_enter is the truth when we have it. */
	if (key.nr == (__u32)-1 && start && start->ts_ns)
		key.nr = (__u32)start->nr;

	stats = stats__get(&key);
	if (!stats) {
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
		return;
	}
	stats->calls += 1;
	/* The kernel's IS_ERR_VALUE range: only these are error returns. */
	if (ret < 0 && ret >= -4095)
		stats->errors += 1;

	/* No start: the syscall began before we attached (or storage failed). */
	if (!start || !start->ts_ns)
		return;
	__u64 delta = bpf_ktime_get_ns() - start->ts_ns;
	start->ts_ns = 0;
	stats->timed += 1;
	stats->dur_sum_ns += delta;
	stats->hist[hist__slot(delta) & (SEISMO_HIST_SLOTS - 1)] += 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(syscall_enter, struct pt_regs *regs, long id)
{
	on_enter(id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	on_exit((__u32)regs->orig_ax, ret);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(syscall_enter_raw, struct pt_regs *regs, long id)
{
	on_enter(id);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscall_exit_raw, struct pt_regs *regs, long ret)
{
	on_exit((__u32)BPF_CORE_READ(regs, orig_ax), ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
