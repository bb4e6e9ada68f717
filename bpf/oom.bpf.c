// SPDX-License-Identifier: GPL-2.0
/* OOM kills: a per-cgroup count and one ring buffer record per kill, from
 * oom:mark_victim. The victim is chosen by the OOM killer and is usually
 * not the task that ran into the limit (current): its cgroup, pid and
 * memory figures are read from the victim's task_struct.
 *
 * The tracepoint passes the victim task since 6.8 (72ba14deb40a "mm, oom:
 * add more info to mark_victim tracepoint"); before it passed only a pid.
 * Userspace checks the tracepoint's BTF prototype before loading. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "seismo/oom.h"
#include "lib/maps.bpf.h"
#include "lib/task.bpf.h"

_Static_assert(sizeof(struct oom_event) == 48 + SEISMO_OOM_COMM_LEN + 40, "oom_event layout");

/* KiB per page (set by userspace from sysconf). */
const volatile __u64 cfg_page_kb = 4;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* victim's cgroup id */
	__type(value, __u64);
} oom_kills SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} oom_events SEC(".maps");

SEISMO_DEFINE_LOSSES();

/* Before 6.2 (f1a7941243c1) mm_struct held struct mm_rss_stat, an array of
 * atomic_long_t; since then an array of percpu_counter. CO-RE picks one:
 * this flavour's rss_stat.count exists only in the older layout. */
struct mm_rss_stat___pre62 {
	atomic_long_t count[NR_MM_COUNTERS];
};
struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

#define OOM_MM_COUNT(mm, member, out)                                                                     \
	do {                                                                                              \
		const struct mm_struct___pre62 *old = (const void *)(mm);                                \
		if (bpf_core_field_exists(old->rss_stat.count))                                           \
			bpf_core_read(&(out), sizeof(out), &old->rss_stat.count[member].counter);         \
		else                                                                                      \
			bpf_core_read(&(out), sizeof(out), &(mm)->rss_stat[member].count);                \
	} while (0)

/* oom__mm_pages - get_mm_counter(): the counter's approximate count, as the
 * tracepoint itself reports it, in either layout. */
static __always_inline __u64 oom__mm_pages(const struct mm_struct *mm, int member)
{
	__s64 count = 0;

	switch (member) {
	case MM_FILEPAGES:
		OOM_MM_COUNT(mm, MM_FILEPAGES, count);
		break;
	case MM_ANONPAGES:
		OOM_MM_COUNT(mm, MM_ANONPAGES, count);
		break;
	case MM_SHMEMPAGES:
		OOM_MM_COUNT(mm, MM_SHMEMPAGES, count);
		break;
	}
	return count > 0 ? (__u64)count : 0;
}

static __always_inline void on_victim(const struct task_struct *task, __u32 uid)
{
	__u64 cgroup_id = task__cgroup_id(task);
	__u64 zero = 0, *cnt;
	struct mm_struct *mm;
	struct oom_event *ev;
	long pgtables = 0;

	cnt = map__lookup_or_init(&oom_kills, &cgroup_id, &zero);
	if (cnt)
		*cnt += 1;
	else
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);

	ev = bpf_ringbuf_reserve(&oom_events, sizeof(*ev), 0);
	if (!ev) {
		loss__count(&losses, SEISMO_LOSS_RINGBUF_FULL);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->hdr.version = SEISMO_EVENT_VERSION;
	ev->hdr.kind = SEISMO_EVENT_OOM_KILL;
	ev->hdr.size = sizeof(*ev);
	ev->cgroup_id = cgroup_id;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = BPF_CORE_READ(task, tgid);
	ev->tid = BPF_CORE_READ(task, pid);
	ev->uid = uid;
	ev->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	ev->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&ev->comm, task, comm);
	mm = BPF_CORE_READ(task, mm);
	if (mm) {
		ev->total_vm_kb = BPF_CORE_READ(mm, total_vm) * cfg_page_kb;
		ev->anon_rss_kb = oom__mm_pages(mm, MM_ANONPAGES) * cfg_page_kb;
		ev->file_rss_kb = oom__mm_pages(mm, MM_FILEPAGES) * cfg_page_kb;
		ev->shmem_rss_kb = oom__mm_pages(mm, MM_SHMEMPAGES) * cfg_page_kb;
		bpf_core_read(&pgtables, sizeof(pgtables), &mm->pgtables_bytes.counter);
		ev->pgtables_kb = pgtables > 0 ? (__u64)pgtables / 1024 : 0;
	}
	bpf_ringbuf_submit(ev, 0);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_victim, struct task_struct *task, uid_t uid)
{
	on_victim(task, uid);
	return 0;
}

SEC("raw_tp/mark_victim")
int BPF_PROG(oom_victim_raw, struct task_struct *task, uid_t uid)
{
	on_victim(task, uid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
