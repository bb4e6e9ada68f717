/* Shared between bpf/exec.bpf.c and userspace/probes/exec.cpp. */
#ifndef SEISMO_EXEC_H
#define SEISMO_EXEC_H

#include "seismo/common.h"

#define SEISMO_COMM_LEN (16)
#define SEISMO_FILENAME_LEN (256)

struct exec_event {
	struct seismo_event_header hdr;
	__u32 pid;
	__u32 ppid;
	__u64 cgroup_id;
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u8 comm[SEISMO_COMM_LEN];
	__u8 filename[SEISMO_FILENAME_LEN];
};

#endif
