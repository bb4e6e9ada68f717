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

SEC("tp_btf/sys_exit")
int BPF_PROG(bench_cgroup_exit, struct pt_regs *regs, long ret)
{
	bench_sink += bpf_get_current_cgroup_id();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
