// SPDX-License-Identifier: GPL-2.0
/* Run-queue latency per cgroup: the time a task waits on a run queue,
 * from being woken (or preempted while runnable) until it runs. A log2
 * histogram per cgroup of the task that waited, aggregated in the kernel.
 *
 * sched_switch fires in the context of the task leaving the CPU, so the
 * waiting task (next) is not current: its cgroup is read from the task.
 *
 * This runs on every context switch, so the two flavours differ where it
 * pays: tp_btf programs keep the enqueue time in task local storage (no
 * global hash, no bucket lock, no delete; as the kernel's runqslower does)
 * and read task fields with direct BTF loads. raw_tp programs get no BTF
 * task pointer, so they use a hash keyed by thread id and CO-RE probe
 * reads. Userspace creates only the map its flavour uses. */
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

/* tp_btf: enqueue time in the task itself (0: not waiting). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runq_task_start SEC(".maps");

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

/* Only the first three arguments: 5.18 (fa2c3254d7cf) added prev_state;
 * reading the state from prev works before and after. */
SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
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
