/* Shared between bpf/sched.bpf.c and userspace/probes/sched.cpp. */
#ifndef SEISMO_SCHED_H
#define SEISMO_SCHED_H

#include "seismo/common.h"

/* Run-queue latency (wakeup or preemption -> on CPU), per-CPU value keyed
 * by the cgroup v2 id (__u64) of the task that waited. */
struct runq_stats {
	__u64 count;
	__u64 sum_ns;
	__u64 hist[SEISMO_HIST_SLOTS];
};

#endif
