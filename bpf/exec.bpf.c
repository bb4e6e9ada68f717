// SPDX-License-Identifier: GPL-2.0
/* Process exec: a per-cgroup count aggregated in the kernel, and one ring
 * buffer record per exec for `seismo trace exec`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "seismo/exec.h"
#include "lib/maps.bpf.h"

_Static_assert(sizeof(struct exec_event) == 8 + 24 + SEISMO_COMM_LEN + SEISMO_FILENAME_LEN, "exec_event layout");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* cgroup id */
	__type(value, __u64);
} exec_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_events SEC(".maps");

SEISMO_DEFINE_LOSSES();

static __always_inline void on_exec(struct task_struct *task, struct linux_binprm *bprm)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	__u64 zero = 0, *cnt;
	struct exec_event *ev;
	const char *filename;

	cnt = map__lookup_or_init(&exec_counts, &cgroup_id, &zero);
	if (cnt)
		*cnt += 1;
	else
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);

	ev = bpf_ringbuf_reserve(&exec_events, sizeof(*ev), 0);
	if (!ev) {
		loss__count(&losses, SEISMO_LOSS_RINGBUF_FULL);
		return;
	}
	ev->hdr.version = SEISMO_EVENT_VERSION;
	ev->hdr.kind = SEISMO_EVENT_EXEC;
	ev->hdr.size = sizeof(*ev);
	ev->pid = BPF_CORE_READ(task, tgid);
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->cgroup_id = cgroup_id;
	ev->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), filename) < 0)
		ev->filename[0] = 0;
	bpf_ringbuf_submit(ev, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_sched, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p, bprm);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_sched_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p, bprm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
