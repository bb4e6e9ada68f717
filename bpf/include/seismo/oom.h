/* Shared between bpf/oom.bpf.c and userspace/probes/oom.cpp. */
#ifndef SEISMO_OOM_H
#define SEISMO_OOM_H

#include "seismo/common.h"

#define SEISMO_OOM_COMM_LEN (16)

/* One record per OOM kill (oom:mark_victim). The victim is not the task
 * that ran into the limit: cgroup_id, pid and comm are the victim's;
 * trigger_pid is the task whose allocation invoked the OOM killer. Memory
 * figures are the victim's at the kill, in KiB (what the tracepoint
 * itself reports). */
struct oom_event {
	struct seismo_event_header hdr; /* kind: SEISMO_EVENT_OOM_KILL */
	__u64 cgroup_id;                /* victim's cgroup v2 id */
	__u64 ts_ns;
	__u32 pid;                      /* victim's tgid */
	__u32 tid;
	__u32 uid;
	__u32 trigger_pid;
	__s32 oom_score_adj;
	__u32 pad;
	__u8 comm[SEISMO_OOM_COMM_LEN];
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
};

#endif
