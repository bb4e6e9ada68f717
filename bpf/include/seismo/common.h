/* Definitions shared by BPF programs and userspace. Plain C, fixed-width
 * types only, explicit padding; both sides assert the sizes. */
#ifndef SEISMO_COMMON_H
#define SEISMO_COMMON_H

#ifdef __BPF__
/* vmlinux.h provides __u8..__u64 */
#else
#include <linux/types.h>
#endif

/* Every ring buffer record starts with this header. */
#define SEISMO_EVENT_VERSION (1)
#define SEISMO_EVENT_EXEC (1)
/* Network and OOM signals (tcp.bpf.c, oom.bpf.c). */
#define SEISMO_EVENT_TCP_RETRANSMIT (2)
#define SEISMO_EVENT_TCP_RESET_SENT (3)
#define SEISMO_EVENT_TCP_RESET_RECEIVED (4)
#define SEISMO_EVENT_OOM_KILL (5)
#define SEISMO_EVENT_DNS (6) /* net.bpf.c: an answered DNS query */

struct seismo_event_header {
	__u16 version;
	__u16 kind;
	__u32 size; /* whole record, header included */
};

/* Log2 histogram: slot i counts values in [2^i, 2^(i+1)) ns; slot 0 also
 * counts 0; the last slot counts everything at or above 2^(slots-1). */
#define SEISMO_HIST_SLOTS (32)

/* Where an event or a count can be lost in the kernel. Indexes into each
 * object's `losses` per-CPU array; userspace names them (stage label). */
#define SEISMO_LOSS_STATS_MAP_FULL (0)   /* a per-cgroup stats map had no room for a new key */
#define SEISMO_LOSS_RINGBUF_FULL (1)     /* bpf_ringbuf_reserve failed */
#define SEISMO_LOSS_TASK_STORAGE (2)     /* no task storage for a syscall start time */
#define SEISMO_LOSS_START_MAP_FULL (3)   /* a start-time map (connect, wakeup) had no room */
#define SEISMO_LOSS_SLOTS (4)

#endif
