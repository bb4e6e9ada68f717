// SPDX-License-Identifier: GPL-2.0
/* TCP per cgroup: connections opened (active/passive), failed connects,
 * connect latency (SYN_SENT -> ESTABLISHED), retransmits, resets sent and
 * received. Retransmits and resets also go to a ring buffer for
 * `seismo trace tcp`.
 *
 * Most of these fire in softirq or timer context, where `current` is an
 * unrelated task: everything is attributed to the socket's owner cgroup
 * (lib/sock.bpf.h), never to bpf_get_current_cgroup_id(). All hooks ship
 * as tp_btf and raw_tp and read the socket through CO-RE probe reads, so
 * one body serves both flavours. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "seismo/tcp.h"
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/tcp_retrans.bpf.h"

_Static_assert(sizeof(struct tcp_stats) == 72 + 8 * SEISMO_HIST_SLOTS, "tcp_stats layout");
_Static_assert(sizeof(struct tcp_event) == 64, "tcp_event layout");

#define AF_INET (2)
#define AF_INET6 (10)
#define ETH_P_IP (0x0800)
#define ETH_P_IPV6 (0x86DD)

/* The cgroup2 root's id: owner of sockets that have none (set by userspace). */
const volatile __u64 cfg_root_cgroup_id = 1;
/* 1: tcp_retransmit_skb passes the attempt's error as a third argument
 * (lib/tcp_retrans.bpf.h; set by userspace from the tracepoint's BTF). */
const volatile __u32 cfg_retrans_err_arg = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* cgroup id */
	__type(value, struct tcp_stats);
} tcp_stats SEC(".maps");

/* SYN_SENT time per socket, removed at ESTABLISHED or CLOSE. A hash keyed
 * by the socket's address works in both flavours (sk storage needs a BTF
 * pointer, which raw_tp lacks). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);
	__type(value, __u64);
} tcp_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024); /* userspace resizes before load */
} tcp_events SEC(".maps");

SEISMO_DEFINE_LOSSES();

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_stats);
} tcp_zero SEC(".maps");

/* tcp__stats - the row for a cgroup, created on first use; NULL (loss
 * counted) when the map is full. */
static __always_inline struct tcp_stats *tcp__stats(__u64 cgroup_id)
{
	struct tcp_stats *st;
	__u32 zero = 0;
	void *init;

	st = bpf_map_lookup_elem(&tcp_stats, &cgroup_id);
	if (st)
		return st;
	init = bpf_map_lookup_elem(&tcp_zero, &zero);
	if (init)
		st = map__lookup_or_init(&tcp_stats, &cgroup_id, init);
	if (!st)
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
	return st;
}

/* tcp__fill_from_sock - addresses, ports and state from sock_common, which
 * full, request and timewait sockets all start with. */
static __always_inline void tcp__fill_from_sock(struct tcp_event *ev, const struct sock *sk)
{
	ev->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	ev->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (ev->family == AF_INET) {
		BPF_CORE_READ_INTO(&ev->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&ev->daddr, sk, __sk_common.skc_daddr);
	} else if (ev->family == AF_INET6) {
		BPF_CORE_READ_INTO(&ev->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&ev->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* tcp__fill_from_skb - a reset answering a packet no socket wanted: the
 * addresses come from that packet, swapped to this host's point of view. */
static __always_inline void tcp__fill_from_skb(struct tcp_event *ev, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 net_off = BPF_CORE_READ(skb, network_header);
	__u16 l4_off = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct tcphdr th = {};

	ev->state = TCP_CLOSE;
	if (bpf_probe_read_kernel(&th, sizeof(th), head + l4_off) == 0) {
		ev->sport = bpf_ntohs(th.dest);
		ev->dport = bpf_ntohs(th.source);
	}
	if (proto == ETH_P_IP) {
		struct iphdr ip = {};

		ev->family = AF_INET;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + net_off) == 0) {
			__builtin_memcpy(ev->saddr, &ip.daddr, 4);
			__builtin_memcpy(ev->daddr, &ip.saddr, 4);
		}
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6 = {};

		ev->family = AF_INET6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + net_off) == 0) {
			__builtin_memcpy(ev->saddr, &ip6.daddr, 16);
			__builtin_memcpy(ev->daddr, &ip6.saddr, 16);
		}
	}
}

static __always_inline void tcp__emit(__u16 kind, __u64 cgroup_id, const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_event *ev;

	ev = bpf_ringbuf_reserve(&tcp_events, sizeof(*ev), 0);
	if (!ev) {
		loss__count(&losses, SEISMO_LOSS_RINGBUF_FULL);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->hdr.version = SEISMO_EVENT_VERSION;
	ev->hdr.kind = kind;
	ev->hdr.size = sizeof(*ev);
	ev->cgroup_id = cgroup_id;
	ev->ts_ns = bpf_ktime_get_ns();
	if (sk)
		tcp__fill_from_sock(ev, sk);
	else if (skb)
		tcp__fill_from_skb(ev, skb);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void on_state(const struct sock *sk, int oldstate, int newstate)
{
	struct tcp_stats *st;
	__u64 key = (__u64)sk, now, *start;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (newstate == TCP_SYN_SENT) {
		now = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&tcp_start, &key, &now, BPF_ANY))
			loss__count(&losses, SEISMO_LOSS_START_MAP_FULL);
		return;
	}
	if (oldstate == TCP_SYN_SENT) {
		start = bpf_map_lookup_elem(&tcp_start, &key);
		now = start ? bpf_ktime_get_ns() - *start : 0;
		if (start)
			bpf_map_delete_elem(&tcp_start, &key);
		st = tcp__stats(sock__cgroup_id(sk, cfg_root_cgroup_id));
		if (!st)
			return;
		if (newstate != TCP_ESTABLISHED) {
			st->connect_failures += 1;
			return;
		}
		st->active_opens += 1;
		/* No start: the connect began before we attached. */
		if (!start)
			return;
		st->connect_timed += 1;
		st->connect_sum_ns += now;
		st->connect_hist[hist__slot(now) & (SEISMO_HIST_SLOTS - 1)] += 1;
		return;
	}
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		st = tcp__stats(sock__cgroup_id(sk, cfg_root_cgroup_id));
		if (st)
			st->passive_opens += 1;
	}
}

/* A retransmission sent: `segs` segments (0: the attempt failed and sent
 * nothing, not counted). A SYN-ACK retransmit is one segment. */
static __always_inline void on_retransmit(const struct sock *sk, __u32 segs)
{
	__u64 cgroup_id;
	struct tcp_stats *st;

	if (!segs)
		return;
	cgroup_id = sock__tcp_owner_cgroup(sk, cfg_root_cgroup_id);
	st = tcp__stats(cgroup_id);
	if (st) {
		st->retransmits += 1;
		st->retransmit_segs += segs;
	}
	tcp__emit(SEISMO_EVENT_TCP_RETRANSMIT, cgroup_id, sk, 0);
}

/* sk is NULL when the reset answers a segment for which no socket exists. */
static __always_inline void on_send_reset(const struct sock *sk, const struct sk_buff *skb)
{
	__u64 cgroup_id = sock__tcp_owner_cgroup(sk, cfg_root_cgroup_id);
	struct tcp_stats *st = tcp__stats(cgroup_id);

	if (st)
		st->resets_sent += 1;
	tcp__emit(SEISMO_EVENT_TCP_RESET_SENT, cgroup_id, sk, skb);
}

static __always_inline void on_receive_reset(const struct sock *sk)
{
	__u64 cgroup_id = sock__tcp_owner_cgroup(sk, cfg_root_cgroup_id);
	struct tcp_stats *st = tcp__stats(cgroup_id);

	if (st)
		st->resets_received += 1;
	tcp__emit(SEISMO_EVENT_TCP_RESET_RECEIVED, cgroup_id, sk, 0);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tcp_state_raw, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

/* (sk, skb), and on newer kernels the attempt's error (lib/tcp_retrans.bpf.h):
 * the argument array is read directly so the third is touched only where
 * it exists. */
SEC("tp_btf/tcp_retransmit_skb")
int tcp_retrans(__u64 *ctx)
{
	on_retransmit((const struct sock *)ctx[0], tcp_retrans__segments(ctx, cfg_retrans_err_arg));
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int tcp_retrans_raw(__u64 *ctx)
{
	on_retransmit((const struct sock *)ctx[0], tcp_retrans__segments(ctx, cfg_retrans_err_arg));
	return 0;
}

/* A SYN-ACK sent again (fired only when it was sent); sk is the listener. */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retrans_synack, const struct sock *sk, const struct request_sock *req)
{
	on_retransmit(sk, 1);
	return 0;
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(tcp_retrans_synack_raw, const struct sock *sk, const struct request_sock *req)
{
	on_retransmit(sk, 1);
	return 0;
}

/* 6.10 adds a `reason` argument; the first two are stable. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_rst_tx, const struct sock *sk, const struct sk_buff *skb)
{
	on_send_reset(sk, skb);
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_rst_tx_raw, const struct sock *sk, const struct sk_buff *skb)
{
	on_send_reset(sk, skb);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_rst_rx, struct sock *sk)
{
	on_receive_reset(sk);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_rst_rx_raw, struct sock *sk)
{
	on_receive_reset(sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
