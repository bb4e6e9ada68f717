// SPDX-License-Identifier: GPL-2.0
/* Baseline for bench/syscall_overhead: the cost of a sys_enter hook hit with
 * no work in the program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(bench_empty_enter, struct pt_regs *regs, long id)
{
	return 0;
}

/* The same on sys_exit: seismo's count mode hooks only this one. */
SEC("tp_btf/sys_exit")
int BPF_PROG(bench_empty_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

/* sys_exit reading only the current task's cgroup id: the floor under any
 * per-cgroup attribution, which count mode cannot go below. */
__u64 bench_sink;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_anchor SEC(".maps");

SEC("tp_btf/sys_exit")
int BPF_PROG(bench_cgroup_exit, struct pt_regs *regs, long ret)
{
	bench_sink += bpf_get_current_cgroup_id();
	return 0;
}

/* The same walk done inline through BTF pointers (no helper call), and only
 * its first two steps (task -> css_set -> default-hierarchy cgroup): where
 * the cost of attribution sits. */
SEC("tp_btf/sys_exit")
int BPF_PROG(bench_cgroup_inline_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	bench_sink += task->cgroups->dfl_cgrp->kn->id;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bench_cgroup_ptr_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	/* Pointer minus pointer is the one pointer ALU a privileged program may
	 * do; it yields a plain number (here, the address relative to a map's). */
	bench_sink += (__u64)task->cgroups->dfl_cgrp - (__u64)&bench_anchor;
	return 0;
}

/* Three steps: the cgroup's css serial number, unique for the boot like the
 * id but stored in struct cgroup itself (no kernfs node to visit). */
SEC("tp_btf/sys_exit")
int BPF_PROG(bench_cgroup_serial_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	bench_sink += task->cgroups->dfl_cgrp->self.serial_nr;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
