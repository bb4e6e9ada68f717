/* Task helpers for tasks other than current (CO-RE reads). */
#pragma once

/* include/linux/sched.h: a task on a run queue (or running). */
#define SEISMO_TASK_RUNNING (0)

/* Before 5.14, 2f064a59a11f ("sched: Change task_struct::state") renamed
 * `long state` to `unsigned int __state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* task__state - the task's scheduler state through probe reads (any
 * pointer: raw_tp arguments too). */
static __always_inline long task__state(const struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((const struct task_struct___pre514 *)t, state);
}

/* task__cgroup_id - cgroup v2 id of any task: what bpf_get_current_cgroup_id()
 * returns when that task is current (its css_set's default-hierarchy cgroup's
 * kernfs id). Used where the task of interest is not current: the OOM
 * victim, the task switched in. */
static __always_inline __u64 task__cgroup_id(const struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}
