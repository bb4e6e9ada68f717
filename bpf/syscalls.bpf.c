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

const volatile __u8 cfg_mode = SEISMO_SYSCALL_MODE_FULL;

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

/* stats__get - the row for key; the zero template is looked up only when
 * the row is new, keeping the common path to one hash lookup. */
static __always_inline struct syscall_stats *stats__get(const struct syscall_key *key)
{
	struct syscall_stats *stats;
	__u32 zero = 0;
	void *init;

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
