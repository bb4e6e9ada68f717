// SPDX-License-Identifier: GPL-2.0
/* Per-cgroup, per-syscall calls, errors and latency, aggregated in the kernel.
 *
 * Count mode hooks only sys_exit (the syscall number comes from
 * regs->orig_ax), so each syscall pays for one tracepoint hit. Full mode adds
 * sys_enter to stamp the start time in task local storage. A cgroup_rmdir
 * hook deletes a removed cgroup's rows (see struct syscall_key); userspace
 * attaches it before the others. Every hook ships as tp_btf and raw_tp;
 * userspace autoloads one flavour. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "seismo/syscalls.h"
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"

_Static_assert(sizeof(struct syscall_key) == 16, "syscall_key layout");
_Static_assert(sizeof(struct syscall_stats) == 40 + 8 * SEISMO_HIST_SLOTS, "syscall_stats layout");
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

/* The value a new hash row starts from (zero counts, the cgroup id); too
 * large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syscall_stats);
} syscall_init SEC(".maps");

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

/* cgroup_ref - the current task's default-hierarchy cgroup as a number.
 * tp_btf reads the pointers directly; pointer minus pointer is the one
 * pointer arithmetic the verifier lets a privileged program turn into a
 * number, so the address is taken relative to this object's init map (a
 * constant while the object is loaded). raw_tp gets plain numbers from
 * probe reads and uses them as they are. Either way a flavour agrees with
 * itself, which is all the key needs. */
static __always_inline __u64 cgroup_ref_btf(const struct cgroup *cgrp)
{
	return (__u64)cgrp - (__u64)&syscall_init;
}

static __always_inline __u64 task_cgroup_ref_btf(struct task_struct *task)
{
	return cgroup_ref_btf(task->cgroups->dfl_cgrp);
}

static __always_inline __u64 current_cgroup_ref_raw(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return (__u64)BPF_CORE_READ(task, cgroups, dfl_cgrp);
}

/* cache__slot_hash - mixes both key fields into every bit (a 64-bit
 * finalizer): a plain multiply would leave the low slot bits blind to nr. */
static __always_inline __u32 cache__slot_hash(__u64 cgroup_ref, __u32 nr)
{
	__u64 x = cgroup_ref ^ ((__u64)nr * 0x9E3779B97F4A7C15ULL);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (__u32)x;
}

/* cache__slot - the slot a key maps to in one CPU's region (NULL when the
 * cache is off or the CPU is beyond the regions). */
static __always_inline struct syscall_slot *cache__slot(__u32 cpu, const struct syscall_key *key)
{
	__u32 idx;

	if (!cfg_cache_slots || cpu >= cfg_cache_cpus)
		return 0;
	idx = cpu * cfg_cache_slots + (cache__slot_hash(key->cgroup_ref, key->nr) & (cfg_cache_slots - 1));
	return bpf_map_lookup_elem(&syscall_cache, &idx);
}

/* cache__get - the key's slot in this CPU's cache region, claiming a free
 * one; NULL when the slot holds another key (or is being claimed). The claim
 * is a compare-and-swap because a preempted program on this CPU may race. */
static __always_inline struct syscall_stats *cache__get(const struct syscall_key *key)
{
	struct syscall_slot *slot = cache__slot(bpf_get_smp_processor_id(), key);

	if (!slot)
		return 0;
	if (slot->state == SEISMO_SLOT_READY) {
		if (slot->cgroup_ref == key->cgroup_ref && slot->nr == key->nr)
			return &slot->stats;
		return 0;
	}
	if (slot->state != SEISMO_SLOT_FREE ||
	    __sync_val_compare_and_swap(&slot->state, SEISMO_SLOT_FREE, SEISMO_SLOT_CLAIMING) != SEISMO_SLOT_FREE)
		return 0;
	slot->cgroup_ref = key->cgroup_ref;
	slot->nr = key->nr;
	slot->stats.cgroup_id = bpf_get_current_cgroup_id();
	slot->state = SEISMO_SLOT_READY;
	return &slot->stats;
}

/* stats__get - the row for key: the cache slot, else the hash row (the init
 * template is filled only when the hash row is new). */
static __always_inline struct syscall_stats *stats__get(const struct syscall_key *key)
{
	struct syscall_stats *stats, *init;
	__u32 zero = 0;

	stats = cache__get(key);
	if (stats)
		return stats;
	stats = bpf_map_lookup_elem(&syscall_stats, key);
	if (stats)
		return stats;
	init = bpf_map_lookup_elem(&syscall_init, &zero);
	if (!init)
		return 0;
	init->cgroup_id = bpf_get_current_cgroup_id();
	return map__lookup_or_init(&syscall_stats, key, init);
}

/* nr is regs->orig_ax: read directly by tp_btf (typed pointer), through
 * bpf_probe_read_kernel by raw_tp. task is current, fetched once by the
 * caller (each bpf_get_current_task_btf() is a helper call). */
static __always_inline void on_exit(struct task_struct *task, __u64 cgroup_ref, __u32 nr, long ret)
{
	struct syscall_key key = {};
	struct syscall_start *start = 0;
	struct syscall_stats *stats;

	if (cfg_mode == SEISMO_SYSCALL_MODE_FULL)
		start = bpf_task_storage_get(&syscall_start, task, 0, 0);
	key.cgroup_ref = cgroup_ref;
	key.nr = nr;
	/* rt_sigreturn restores orig_ax = -1 before sys_exit fires; the number
	 * stamped at sys_enter is the truth when we have it. */
	if (key.nr == (__u32)-1 && start && start->ts_ns)
		key.nr = (__u32)start->nr;
	if (key.nr >= SEISMO_SYSCALL_NR_SLOTS)
		key.nr = SEISMO_SYSCALL_NR_OTHER;

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
	stats->hist[hist__slot(delta)] += 1;
}

struct forget_ctx {
	__u64 cgroup_ref;
	__u32 cpus; /* cache regions to visit, at least 1 */
};

/* forget_one - step i of a removed cgroup's cleanup: syscall i / cpus in
 * cache region i % cpus, and (once per syscall) the hash row. No task can be
 * in the cgroup any more, so nothing writes these rows concurrently; the
 * slot is marked CLAIMING while it is wiped so userspace skips it. */
static long forget_one(__u64 i, struct forget_ctx *ctx)
{
	struct syscall_key key = {.cgroup_ref = ctx->cgroup_ref, .nr = (__u32)(i / ctx->cpus)};
	__u32 cpu = (__u32)(i % ctx->cpus);
	struct syscall_slot *slot;

	if (cpu == 0)
		bpf_map_delete_elem(&syscall_stats, &key);
	slot = cache__slot(cpu, &key);
	if (!slot || slot->state != SEISMO_SLOT_READY || slot->cgroup_ref != key.cgroup_ref || slot->nr != key.nr)
		return 0;
	slot->state = SEISMO_SLOT_CLAIMING;
	__builtin_memset(&slot->stats, 0, sizeof(slot->stats));
	slot->cgroup_ref = 0;
	slot->nr = 0;
	__sync_lock_test_and_set(&slot->state, SEISMO_SLOT_FREE);
	return 0;
}

static __always_inline void forget_cgroup(__u64 cgroup_ref)
{
	struct forget_ctx ctx = {.cgroup_ref = cgroup_ref, .cpus = cfg_cache_cpus ? cfg_cache_cpus : 1};

	bpf_loop(SEISMO_SYSCALL_NR_SLOTS * ctx.cpus, forget_one, &ctx, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(syscall_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	forget_cgroup(cgroup_ref_btf(cgrp));
	return 0;
}

SEC("raw_tp/cgroup_rmdir")
int BPF_PROG(syscall_cgroup_rmdir_raw, struct cgroup *cgrp, const char *path)
{
	forget_cgroup((__u64)cgrp);
	return 0;
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
	struct task_struct *task = bpf_get_current_task_btf();

	on_exit(task, task_cgroup_ref_btf(task), (__u32)regs->orig_ax, ret);
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
	/* Count mode needs no task pointer: no helper call for it. */
	struct task_struct *task = cfg_mode == SEISMO_SYSCALL_MODE_FULL ? bpf_get_current_task_btf() : 0;

	on_exit(task, current_cgroup_ref_raw(), (__u32)BPF_CORE_READ(regs, orig_ax), ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
