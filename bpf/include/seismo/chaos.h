/* Shared between bpf/chaos.bpf.c and userspace/chaos/. Fixed-width fields,
 * explicit padding; both sides assert the sizes. */
#ifndef SEISMO_CHAOS_H
#define SEISMO_CHAOS_H

#include "seismo/common.h"

#ifndef __BPF__
#include <linux/bpf.h> /* struct bpf_spin_lock; vmlinux.h has it for BPF */
#endif

/* Table sizes. A fault occupies one slot; an attachment (one program on one
 * device hook) lists the slots of the faults that apply to it. */
#define SEISMO_FAULT_SLOTS (256)
#define SEISMO_FAULT_ATTACH_SLOTS (256)
#define SEISMO_FAULTS_PER_ATTACH (8)
/* Peer prefixes (filter.cidrs, a cluster fault's target pods) live in the
 * fault_peers LPM trie, shared by all faults: at most this many over all
 * faults, and at most SEISMO_FAULT_PEERS_PER_FAULT for one fault. */
#define SEISMO_FAULT_PEERS (16384)
#define SEISMO_FAULT_PEERS_PER_FAULT (1024)
#define SEISMO_FAULT_PORTS (4)
#define SEISMO_FAULT_FLOWS (65536)

/* fault_cfg.action. A partition is LOSS with loss_enter = SEISMO_PROB_ONE,
 * loss_leave = 0 (every matching packet dropped, silently for the sender). */
#define SEISMO_FAULT_LOSS (1)
#define SEISMO_FAULT_DELAY (2)
#define SEISMO_FAULT_BANDWIDTH (3) /* token bucket: police (drop) or shape (EDT) */
#define SEISMO_FAULT_DUPLICATE (4) /* the packet and a copy of it */
#define SEISMO_FAULT_CORRUPT (5)   /* payload bits flipped; the receiver's checksum rejects it */

/* fault_cfg.flags */
#define SEISMO_FAULT_F_REORDER (1U << 0) /* delay: no per-flow monotonic stamps */
#define SEISMO_FAULT_F_SHAPE (1U << 1)   /* bandwidth: delay with EDT (needs fq), else police */

/* fault_cfg.protocol: an IP protocol number, or 0 for any. ICMP matches
 * ICMPv6 as well. */
#define SEISMO_FAULT_PROTO_ANY (0)

/* Probabilities are fixed point: value / 2^32, SEISMO_PROB_ONE means always. */
#define SEISMO_PROB_ONE (1ULL << 32)
/* Jitter correlation and its running value are fixed point over 2^16. */
#define SEISMO_CORR_ONE (1U << 16)

/* A key of the fault_peers LPM trie: one peer prefix of the fault in `slot`.
 * prefixlen counts the slot's 32 bits (always matched whole) plus the
 * prefix's bits of addr; IPv4 is v4-mapped (::ffff:a.b.c.d, 96 + len), so
 * one lookup with the packet's peer at full length answers "is the peer in
 * this fault's set". */
struct fault_peer_key {
	__u32 prefixlen;
	__u32 slot;
	__u8 addr[16]; /* network order, masked */
};

/* The value: the cfg generation the entry was written for. An entry left
 * by an earlier user of the slot (a crash that lost the state file) has
 * another generation and never matches. */
struct fault_peer {
	__u64 generation;
};

/* An inclusive port range in host byte order. */
struct fault_ports {
	__u16 lo;
	__u16 hi;
};

/* One fault, as the kernel applies it. expires_ns == 0: slot unused. */
struct fault_cfg {
	__u64 expires_ns;  /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 generation;  /* bumped each time userspace reuses the slot */
	__u32 action;      /* SEISMO_FAULT_LOSS or SEISMO_FAULT_DELAY */
	__u32 flags;       /* SEISMO_FAULT_F_* */
	/* loss, duplicate, corrupt: the Gilbert chain that picks packets,
	 * P(good -> bad) and P(bad -> good); a packet in bad is picked */
	__u64 loss_enter;
	__u64 loss_leave;
	/* delay: latency +- jitter, jitter correlation */
	__u64 latency_ns;
	__u64 jitter_ns;
	/* delay, netem's reorder: after reorder_gap - 1 delayed packets, one
	 * picked by this Gilbert chain leaves at once (gap 0: no reordering) */
	__u64 reorder_enter;
	__u64 reorder_leave;
	__u32 reorder_gap;
	__u32 burst_bytes;  /* bandwidth: bucket depth (tbf's buffer) */
	__u64 rate_Bps;     /* bandwidth: bytes per second */
	__u64 peak_Bps;     /* bandwidth: peak rate, 0 none */
	__u32 limit_bytes;  /* bandwidth: bytes that may wait (shape) */
	__u32 minburst_bytes; /* bandwidth: peak bucket depth */
	__u32 jitter_corr; /* over SEISMO_CORR_ONE */
	/* filters: a packet matches when every given filter matches */
	__u8 protocol;
	__u8 has_peers; /* 1: the peer must be in fault_peers for this slot */
	__u8 nports;
	__u8 pad;
	struct fault_ports ports[SEISMO_FAULT_PORTS];
	/* target.by: socket: the packet's owning socket must be in this
	 * cgroup v2 (id = the directory's inode) or below it, at `level`
	 * (root 0). 0: no cgroup filter. */
	__u64 cgroup_id;
	__u32 cgroup_level;
	__u32 cgroup_pad;
};

/* The faults one attachment applies, in order. */
struct fault_attach {
	__u32 count;
	__u32 pad;
	__u32 slots[SEISMO_FAULTS_PER_ATTACH];
};

/* Per fault, per CPU. */
struct fault_stats {
	__u64 passed;     /* matched, left as it was */
	__u64 dropped;
	__u64 delayed;
	__u64 delay_ns;   /* sum of the delay added */
	__u64 duplicated; /* copies sent */
	__u64 corrupted;
	__u64 reordered;  /* sent at once, ahead of delayed ones */
	__u64 pad;
};

/* Per fault, per CPU: the models' state. */
struct fault_state {
	__u64 generation;  /* the cfg generation this state belongs to */
	__u32 bad;         /* Gilbert: 1 in the bad (picking) state */
	__u32 jitter;      /* last jitter value over SEISMO_CORR_ONE */
	__u32 reorder_bad; /* reorder's Gilbert state */
	__u32 reorder_count; /* packets delayed since the last one sent at once */
};

/* Per fault and direction (slot * 2 + 1 at ingress), shared by all CPUs:
 * a bandwidth fault's token bucket, like a tbf on the device. */
struct fault_bucket {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 generation; /* the cfg generation this bucket belongs to */
	__u64 tokens;     /* unused: the bucket is kept as a time (bpf/lib/fault_bandwidth.bpf.h) */
	__u64 stamp_ns;   /* when the bucket is empty: it holds (now - stamp_ns) * rate, up to the buffer */
	__u64 peak_tokens; /* the peak bucket's stamp_ns (peak_Bps, minburst_bytes) */
};

/* Per flow: the last departure time stamped, so stamps never go backwards
 * within a flow (no reordering) unless the fault asks for it. */
struct fault_flow_key {
	__u32 attach_id;
	__u32 hash;
};

/* Guards (docs/faults.md, Guards): budgets over what a fault does and how
 * its targets' TCP reacts. Once a count passes its budget the fault is
 * aborted: fault__live() skips it from then on, in the kernel, whether or
 * not seismod runs. fault_cfg.flags has SEISMO_FAULT_F_GUARD when the slot's
 * fault_guard entry holds budgets. */
#define SEISMO_FAULT_F_GUARD (1U << 2)

/* What a budget counts (fault_guard.budget/count index). */
#define SEISMO_GUARD_DROPPED (0)              /* packets this fault dropped */
#define SEISMO_GUARD_DELAYED (1)              /* packets this fault delayed */
#define SEISMO_GUARD_TCP_RETRANSMITS (2)      /* targets' retransmitted segments */
#define SEISMO_GUARD_TCP_RESETS (3)           /* targets' resets, sent or received */
#define SEISMO_GUARD_TCP_RESETS_SENT (4)
#define SEISMO_GUARD_TCP_RESETS_RECEIVED (5)
#define SEISMO_GUARD_TCP_CONNECT_FAILURES (6)  /* SYN_SENT -> CLOSE */
#define SEISMO_GUARD_KINDS (7)
#define SEISMO_GUARD_SLOTS (8)                /* array size: SEISMO_GUARD_KINDS, padded */

/* Per fault slot, shared by all CPUs (counts are atomic adds). Userspace
 * writes generation, window_ns and budget[] (and zeroes the rest) before
 * the slot's fault_cfg goes live; the kernel writes the rest. */
struct fault_guard {
	__u64 generation;      /* the fault_cfg generation this guard belongs to */
	__u64 window_ns;       /* 0: budgets hold over the fault's lifetime */
	__u64 budget[SEISMO_GUARD_SLOTS]; /* 0: no budget of that kind; abort when count > budget */
	__u64 count[SEISMO_GUARD_SLOTS];  /* in the current window (the lifetime when window_ns is 0) */
	__u64 prev[SEISMO_GUARD_SLOTS];   /* the previous window's counts (sliding estimate) */
	__u64 window_start_ns; /* start of the current window */
	__u64 aborted_ns;      /* 0: live; else bpf_ktime_get_ns() when a budget was passed */
	__u32 abort_kind;      /* SEISMO_GUARD_* whose budget was passed */
	__u32 pad;
	__u64 abort_count;     /* that count when it passed */
};

/* Who a guarded fault's TCP counts come from: sockets in a network
 * namespace (the fault's target netns, by inode number) or in a cgroup v2
 * (target.by: socket, by id; the socket's cgroup or an ancestor). */
#define SEISMO_GUARD_OWNER_NETNS (1)
#define SEISMO_GUARD_OWNER_CGROUP (2)
#define SEISMO_GUARD_OWNERS (1024)     /* fault_guard_owners entries */
#define SEISMO_GUARD_CGROUP_DEPTH (8)  /* cgroup levels a TCP event walks up */

struct fault_guard_owner_key {
	__u32 kind; /* SEISMO_GUARD_OWNER_* */
	__u32 pad;
	__u64 id;   /* netns inode number or cgroup id */
};

/* The guarded faults whose targets include that owner. */
struct fault_guard_owner {
	__u32 count;
	__u32 pad;
	__u32 slots[SEISMO_FAULTS_PER_ATTACH];
};

#endif
