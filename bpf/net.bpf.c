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

/* net__segment_header_len - headers every segment of a GSO/GRO super-packet
 * carries on the wire (IP + TCP/UDP). Data starts at the IP header here and
 * a GSO packet's headers are in its linear part, so direct packet access
 * reads them (bpf_skb_load_bytes costs a helper call per field); 0 when
 * they are not there to read. Extension headers are not walked: rare on
 * segmented traffic. */
static __always_inline __u32 net__segment_header_len(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 l3;
	__u8 proto;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return 0;
		l3 = ip->ihl * 4;
		proto = ip->protocol;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return 0;
		l3 = sizeof(*ip6);
		proto = ip6->nexthdr;
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP)
		return l3 + 8;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = data + (l3 & 0x3c);

		if ((void *)(th + 1) > end)
			return l3;
		return l3 + th->doff * 4;
	}
	return l3;
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
