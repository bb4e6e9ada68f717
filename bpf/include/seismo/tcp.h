/* Shared between bpf/tcp.bpf.c and userspace/probes/tcp.cpp. */
#ifndef SEISMO_TCP_H
#define SEISMO_TCP_H

#include "seismo/common.h"

/* Per-CPU value keyed by the socket's cgroup v2 id (__u64). */
struct tcp_stats {
	__u64 active_opens;     /* SYN_SENT -> ESTABLISHED */
	__u64 passive_opens;    /* SYN_RECV -> ESTABLISHED */
	__u64 connect_failures; /* SYN_SENT -> CLOSE (refused, timed out, aborted) */
	__u64 retransmits;      /* retransmissions sent (tcp_retransmit_skb/_synack hits that sent) */
	__u64 resets_sent;      /* tcp:tcp_send_reset */
	__u64 resets_received;  /* tcp:tcp_receive_reset */
	__u64 retransmit_segs;  /* segments of those: sums to the netns's TcpRetransSegs */
	__u64 connect_timed;    /* active opens whose SYN_SENT we saw: the histogram's count */
	__u64 connect_sum_ns;
	__u64 connect_hist[SEISMO_HIST_SLOTS];
};

#define SEISMO_ADDR_LEN (16)

/* Ring buffer record for retransmits and resets. Addresses and ports are
 * from this host's side: saddr/sport local, daddr/dport remote. IPv4
 * addresses use the first 4 bytes. Ports are host byte order. */
struct tcp_event {
	struct seismo_event_header hdr; /* kind: SEISMO_EVENT_TCP_* */
	__u64 cgroup_id;                /* the socket owner's cgroup (root when none) */
	__u64 ts_ns;                    /* bpf_ktime_get_ns() */
	__u8 saddr[SEISMO_ADDR_LEN];
	__u8 daddr[SEISMO_ADDR_LEN];
	__u16 family;                   /* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u8 state;                     /* TCP state (include/net/tcp_states.h) at the event */
	__u8 pad;
};

#endif
