/* What fault__apply carries from one fault to the next over one packet.
 * Plain memory (no pointers): fault__slot, a global function, receives it
 * as a pointer the verifier checks as sized memory; the skb travels as its
 * own argument. */
#pragma once

/* fault__one's verdict: drop the packet (the hook's own drop verdict). */
#define SEISMO_FAULT_DROP (1)

struct fault_ctx {
	struct fault_packet pkt; /* parsed once; a fault that rewrites the packet keeps it valid */
	__u64 now;               /* bpf_ktime_get_ns once a fault matched, else 0 */
	__u64 delay;             /* sum of the matching delay faults' draws */
	__u32 delayed;           /* some delay fault matched */
	__u32 delay_slot;        /* which (at most one: the conflict rule) */
	__u32 reorder;           /* SEISMO_FAULT_F_REORDER from a delay fault */
	__u32 ingress;           /* the hook: 0 egress, 1 ingress */
	__u32 at_once;           /* the delay fault's reorder picked it: no delay, no flow order */
	__u32 pad;
	__u64 depart;            /* the latest departure a shaping bandwidth fault asked for, 0 none */
	/* The corrupt faults that picked the packet: its bit is flipped once,
	 * after every fault ran and only if none dropped it (fault__finish_corrupt). */
	__u32 ncorrupt;
	__u32 corrupt_slot[SEISMO_FAULTS_PER_ATTACH];
};
