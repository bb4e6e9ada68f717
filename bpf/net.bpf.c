// SPDX-License-Identifier: GPL-2.0
/* Per-cgroup IP packets and bytes, both directions, from cgroup_skb
 * programs. Userspace attaches them at the cgroup2 root (or a configured
 * cgroup) through BPF links, which the kernel always treats as
 * BPF_F_ALLOW_MULTI: they run next to a CNI's own programs. The programs
 * only count: every packet passes (return 1), whatever happens here.
 *
 * cgroup_skb runs for sockets of AF_INET/AF_INET6 only, at the IP layer
 * (egress in ip_finish_output, ingress in sk_filter), so traffic without a
 * local socket (forwarded, bridged) is not seen. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "seismo/net.h"
#include "lib/maps.bpf.h"

_Static_assert(sizeof(struct net_stats) == 32, "net_stats layout");

#define ETH_P_IP (0x0800)
#define ETH_P_IPV6 (0x86DD)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* cgroup id */
	__type(value, struct net_stats);
} net_stats SEC(".maps");

SEISMO_DEFINE_LOSSES();

/* net__l4_header_len - transport header length at offset off (0 if not
 * TCP/UDP or unreadable). */
static __always_inline __u32 net__l4_header_len(struct __sk_buff *skb, __u32 off, __u8 proto)
{
	__u8 doff;

	if (proto == IPPROTO_UDP)
		return 8;
	if (proto != IPPROTO_TCP || bpf_skb_load_bytes(skb, off + 12, &doff, 1))
		return 0;
	return (doff >> 4) * 4;
}

/* net__segment_header_len - headers every segment of a GSO/GRO super-packet
 * carries on the wire (IP + TCP/UDP); data starts at the IP header here. */
static __always_inline __u32 net__segment_header_len(struct __sk_buff *skb)
{
	__u8 b[2];
	__u32 ihl;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, &b[0], 1) || bpf_skb_load_bytes(skb, 9, &b[1], 1))
			return 0;
		ihl = (b[0] & 0xf) * 4;
		return ihl + net__l4_header_len(skb, ihl, b[1]);
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		/* Extension headers are rare on segmented traffic: not walked. */
		if (bpf_skb_load_bytes(skb, 6, &b[1], 1))
			return 40;
		return 40 + net__l4_header_len(skb, 40, b[1]);
	}
	return 0;
}

static __always_inline void net__count(struct __sk_buff *skb, bool egress)
{
	struct net_stats zero = {}, *st;
	__u64 cgroup_id = bpf_skb_cgroup_id(skb);
	__u64 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	__u64 bytes = skb->len;

	st = bpf_map_lookup_elem(&net_stats, &cgroup_id);
	if (!st) {
		st = map__lookup_or_init(&net_stats, &cgroup_id, &zero);
		if (!st) {
			loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
			return;
		}
	}
	if (segs > 1)
		bytes += (segs - 1) * net__segment_header_len(skb);
	if (egress) {
		st->tx_packets += segs;
		st->tx_bytes += bytes;
	} else {
		st->rx_packets += segs;
		st->rx_bytes += bytes;
	}
}

SEC("cgroup_skb/ingress")
int cgskb_ingress(struct __sk_buff *skb)
{
	net__count(skb, false);
	return 1; /* fail open: never drop */
}

SEC("cgroup_skb/egress")
int cgskb_egress(struct __sk_buff *skb)
{
	net__count(skb, true);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
