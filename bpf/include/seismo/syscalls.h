/* Shared between bpf/syscalls.bpf.c and userspace/probes/syscalls.cpp. */
#ifndef SEISMO_SYSCALLS_H
#define SEISMO_SYSCALLS_H

#include "seismo/common.h"

struct syscall_key {
	__u64 cgroup_id;
	__u32 nr;
	__u32 pad;
};

/* Per-CPU value; userspace sums the CPUs. Counts are cumulative: userspace
 * never deletes a key while its cgroup is alive. */
struct syscall_stats {
	__u64 calls;
	__u64 errors;      /* returns in [-4095, -1] */
	__u64 timed;       /* calls whose duration is in hist/dur_sum_ns */
	__u64 dur_sum_ns;
	__u64 hist[SEISMO_HIST_SLOTS];
};

/* Direct-mapped cache in front of syscall_stats: a plain array split into
 * one region per CPU (each CPU writes only its own, so no atomics), whose
 * lookup the verifier inlines — a hash lookup costs more than the rest of
 * the program. A slot belongs to one (cgroup, nr); a key whose slot is taken
 * falls back to the hash map. Userspace reads it through mmap and merges. */
#define SEISMO_SLOT_FREE (0)
#define SEISMO_SLOT_CLAIMING (1) /* being tagged: readers and writers skip it */
#define SEISMO_SLOT_READY (2)

struct syscall_slot {
	__u64 cgroup_id;
	__u32 nr;
	__u32 state; /* SEISMO_SLOT_* */
	struct syscall_stats stats;
};

#define SEISMO_SYSCALL_MODE_COUNT (0) /* sys_exit only: calls and errors */
#define SEISMO_SYSCALL_MODE_FULL (1)  /* sys_enter + sys_exit: adds the latency histogram */

#endif
