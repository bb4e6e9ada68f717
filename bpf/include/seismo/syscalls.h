/* Shared between bpf/syscalls.bpf.c and userspace/probes/syscalls.cpp. */
#ifndef SEISMO_SYSCALLS_H
#define SEISMO_SYSCALLS_H

#include "seismo/common.h"

/* Rows are keyed by the cgroup's address, turned into an opaque number
 * (cgroup_ref): reaching it from the task costs two loads, while the cgroup
 * id needs two more, cold ones (through the kernfs node). The id is read
 * once, when a row is created, and kept in the row. An address is reused
 * only after its cgroup was removed, and the cgroup_rmdir hook deletes the
 * cgroup's rows before that can happen. */
struct syscall_key {
	__u64 cgroup_ref;
	__u32 nr; /* < SEISMO_SYSCALL_NR_SLOTS */
	__u32 pad;
};

/* Numbers at or above this (x32 calls, the -1 that rt_sigreturn leaves in
 * orig_ax, garbage) are folded into SEISMO_SYSCALL_NR_OTHER, so a cgroup's
 * rows are a bounded set the rmdir hook can enumerate. */
#define SEISMO_SYSCALL_NR_SLOTS (512)
#define SEISMO_SYSCALL_NR_OTHER (SEISMO_SYSCALL_NR_SLOTS - 1)

/* Per-CPU value; userspace sums the CPUs. Counts are cumulative: nothing
 * deletes a row while its cgroup exists. */
struct syscall_stats {
	__u64 cgroup_id;   /* set in the copy of the CPU that created the row; 0 in the others */
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
 * falls back to the hash map. Userspace reads it through mmap and merges;
 * only the kernel writes it. */
#define SEISMO_SLOT_FREE (0)
#define SEISMO_SLOT_CLAIMING (1) /* being tagged: readers and writers skip it */
#define SEISMO_SLOT_READY (2)

struct syscall_slot {
	__u64 cgroup_ref;
	__u32 nr;
	__u32 state; /* SEISMO_SLOT_* */
	struct syscall_stats stats;
};

#define SEISMO_SYSCALL_MODE_COUNT (0) /* sys_exit only: calls and errors */
#define SEISMO_SYSCALL_MODE_FULL (1)  /* sys_enter + sys_exit: adds the latency histogram */

#endif
