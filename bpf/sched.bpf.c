// SPDX-License-Identifier: GPL-2.0
/* Run-queue latency per cgroup: the time a task waits on a run queue,
 * from being woken (or preempted while runnable) until it runs. A log2
 * histogram per cgroup of the task that waited, aggregated in the kernel.
 *
 * sched_switch fires in the context of the task leaving the CPU, so the
 * waiting task (next) is not current: its cgroup is read from the task.
 *
 * This runs on every context switch, so the flavours differ where it
 * pays. Where the kernel keeps sched_info (CONFIG_SCHED_INFO: set by
 * TASK_DELAY_ACCT or SCHEDSTATS, as in Debian's and most distributions'
 * kernels), the wait is already measured by the scheduler itself: it stamps
 * sched_info.last_queued at enqueue (wakeup, new task, preempted while
 * runnable) and adds the wait to sched_info.run_delay when the task arrives
 * on a CPU (or is migrated to another run queue). One tp_btf sched_switch
 * program then suffices (runq_switch): when a task leaves the CPU, the
 * growth of its run_delay since it last left one is the wait before this
 * run. No wakeup hooks, no clock read, and the task is current (cache-hot);
 * a wait is recorded when the run after it ends.
 * Without sched_info, tp_btf programs stamp the enqueue time in task local
 * storage at wakeup (runq_switch_ts). raw_tp programs get no BTF task
 * pointer, so they use a hash keyed by thread id and CO-RE probe reads.
 * Userspace loads one set and creates only the maps it uses.  */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "seismo/sched.h"
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/task.bpf.h"

_Static_assert(sizeof(struct runq_stats) == 16 + 8 * SEISMO_HIST_SLOTS, "runq_stats layout");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* cgroup id */
	__type(value, struct runq_stats);
} runq_stats SEC(".maps");

/* raw_tp: enqueue time per thread id, from wakeup to switch-in. Sized for
 * the threads that can be runnable at once (userspace sets it). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32); /* tid */
	__type(value, __u64);
} runq_start SEC(".maps");

/* tp_btf without sched_info: enqueue time in the task itself (0: not waiting). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runq_task_start SEC(".maps");

/* tp_btf with sched_info: what runq_switch keeps in each task. */
struct runq_task {
	__u64 seen;      /* run_delay when the task last left a CPU, plus one (0: not seen yet) */
	__u64 cset_ref;  /* the css_set cgroup_id was read through (see runq__cgroup_id) */
	__u64 cgroup_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct runq_task);
} runq_seen SEC(".maps");

SEISMO_DEFINE_LOSSES();

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runq_stats);
} runq_zero SEC(".maps");

/* runq__stamp - remember when tid became runnable. The idle task (0) never waits. */
static __always_inline void runq__stamp(__u32 tid)
{
	__u64 now;

	if (!tid)
		return;
	now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&runq_start, &tid, &now, BPF_ANY))
		loss__count(&losses, SEISMO_LOSS_START_MAP_FULL);
}

/* runq__take - how long tid waited; 0 when it was not stamped (woken before
 * we attached, or a kernel thread created before). */
static __always_inline __u64 runq__take(__u32 tid)
{
	__u64 *start, delta;

	if (!tid)
		return 0;
	start = bpf_map_lookup_elem(&runq_start, &tid);
	if (!start)
		return 0;
	delta = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&runq_start, &tid);
	/* A stamp of 0 ns is impossible; treat 0 as "none" and count >= 1 ns. */
	return delta ? delta : 1;
}

static __always_inline void runq__account(__u64 cgroup_id, __u64 delta)
{
	struct runq_stats *st;
	__u32 zero = 0;
	void *init;

	st = bpf_map_lookup_elem(&runq_stats, &cgroup_id);
	if (!st) {
		init = bpf_map_lookup_elem(&runq_zero, &zero);
		if (init)
			st = map__lookup_or_init(&runq_stats, &cgroup_id, init);
		if (!st) {
			loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
			return;
		}
	}
	st->count += 1;
	st->sum_ns += delta;
	st->hist[hist__slot(delta) & (SEISMO_HIST_SLOTS - 1)] += 1;
}

/* runq__task_stamp - tp_btf: remember in the task when it became runnable. */
static __always_inline void runq__task_stamp(struct task_struct *p)
{
	__u64 *start;

	if (!p->pid)
		return;
	start = bpf_task_storage_get(&runq_task_start, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!start) {
		loss__count(&losses, SEISMO_LOSS_TASK_STORAGE);
		return;
	}
	*start = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runq_wakeup, struct task_struct *p)
{
	runq__task_stamp(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runq_wknew, struct task_struct *p)
{
	runq__task_stamp(p);
	return 0;
}

/* runq__sched_info_wait - how long prev waited before its latest switch-in,
 * from the scheduler's own bookkeeping; 0 when unknown (first sight of a
 * task that ran before we attached). prev's waits up to that switch-in are
 * already in run_delay (sched_info_arrive ran then), so the growth of
 * run_delay since the previous time prev left a CPU is its latest wait, all
 * of it (also the part on a run queue it was migrated away from). A task
 * that arrived once (pcount 1) was first seen running: all its run_delay is
 * that first wait. */
static __always_inline __u64 runq__sched_info_wait(struct task_struct *prev, struct runq_task *rt)
{
	__u64 total = prev->sched_info.run_delay, before = rt->seen;

	rt->seen = total + 1;
	if (before)
		return total - (before - 1) ?: 1;
	if (prev->sched_info.pcount == 1)
		return total ?: 1;
	return 0; /* ran before we attached: measure from its next wait */
}

/* runq__cgroup_id - prev's cgroup v2 id, read again only when its css_set
 * changed. The walk css_set -> cgroup -> kernfs node misses the cache on
 * two cold lines (~240 of the ~330 ns the program cost with it on every
 * switch, bench/sched_overhead); the task's css_set pointer sits in
 * task_struct. A task holds a reference on its css_set, so an unchanged
 * pointer is the same css_set unless the task was moved out, its old
 * css_set freed and a new one for another cgroup allocated at that address
 * and the task moved in, all between two of its own switch-outs. */
static __always_inline __u64 runq__cgroup_id(struct task_struct *prev, struct runq_task *rt)
{
	struct css_set *cset = prev->cgroups;
	/* Pointer minus pointer: the pointer ALU the verifier turns into a number. */
	__u64 ref = (__u64)cset - (__u64)&runq_zero;

	if (rt->cset_ref != ref || !rt->cgroup_id) {
		rt->cgroup_id = cset->dfl_cgrp->kn->id;
		rt->cset_ref = ref;
	}
	return rt->cgroup_id;
}

/* Only the first three arguments: 5.18 (fa2c3254d7cf) added prev_state.
 * Loaded only where task_struct has sched_info (userspace checks the BTF).
 * prev is current here: its task_struct and storage are cache-hot. */
SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct runq_task *rt;
	__u64 delta;

	if (!prev->pid || !bpf_core_field_exists(prev->sched_info))
		return 0;
	rt = bpf_task_storage_get(&runq_seen, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!rt) {
		loss__count(&losses, SEISMO_LOSS_TASK_STORAGE);
		return 0;
	}
	delta = runq__sched_info_wait(prev, rt);
	if (delta)
		runq__account(runq__cgroup_id(prev, rt), delta);
	return 0;
}

/* Without sched_info: reading the state from prev works before and after 5.18. */
SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch_ts, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 *start, delta;
	long state;

	if (bpf_core_field_exists(prev->__state))
		state = prev->__state;
	else
		state = BPF_CORE_READ((struct task_struct___pre514 *)prev, state);
	/* Preempted while runnable: it waits on the run queue from now. */
	if (state == SEISMO_TASK_RUNNING)
		runq__task_stamp(prev);
	if (!next->pid)
		return 0;
	/* No create: a task never stamped was not seen becoming runnable. */
	start = bpf_task_storage_get(&runq_task_start, next, 0, 0);
	if (!start || !*start)
		return 0;
	delta = bpf_ktime_get_ns() - *start;
	*start = 0;
	runq__account(next->cgroups->dfl_cgrp->kn->id, delta ? delta : 1);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(runq_wakeup_raw, struct task_struct *p)
{
	runq__stamp(BPF_CORE_READ(p, pid));
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(runq_wknew_raw, struct task_struct *p)
{
	runq__stamp(BPF_CORE_READ(p, pid));
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(runq_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 delta;

	if (task__state(prev) == SEISMO_TASK_RUNNING)
		runq__stamp(BPF_CORE_READ(prev, pid));
	delta = runq__take(BPF_CORE_READ(next, pid));
	if (delta)
		runq__account(task__cgroup_id(next), delta);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
