/* Packet facts a fault filter looks at, and the filter match. */
#pragma once

#define SEISMO_ETH_P_IP (0x0800)
#define SEISMO_ETH_P_IPV6 (0x86DD)
#define SEISMO_IPPROTO_ICMP (1)
#define SEISMO_IPPROTO_TCP (6)
#define SEISMO_IPPROTO_UDP (17)
#define SEISMO_IPPROTO_ICMPV6 (58)
#define SEISMO_IP_OFFSET_MASK (0x1FFF)

/* What fault filters need from one packet; addresses in network order. */
struct fault_packet {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;     /* host order; 0 when has_ports == 0 */
	__u16 dport;
	__u8 family;     /* 4 or 6 */
	__u8 protocol;   /* IP protocol (the first header after IPv6's fixed one) */
	__u8 has_ports;  /* TCP/UDP and not a non-first fragment */
	__u8 pad;
};

/* fault_packet__load - copies len bytes at off: straight from the linear
 * data when it holds them (the common case: headers are linear), through
 * bpf_skb_load_bytes otherwise (a nonlinear skb). 0 on success. */
static __always_inline int fault_packet__load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	off &= 0xffff; /* bounds the offset for the verifier */
	if (data + off + len <= data_end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len) ? -1 : 0;
}

/* fault_packet__parse - reads the IP header at l2_len (0 on L3 devices,
 * 14 on Ethernet). Returns 0 when the packet is IPv4 or IPv6, -1 otherwise
 * (not a packet faults apply to: ARP and other L2 traffic pass untouched). */
static __always_inline int fault_packet__parse(struct __sk_buff *skb, __u32 l2_len, struct fault_packet *pkt)
{
	__u16 ports[2];
	__u32 l4_off;

	if (skb->protocol == bpf_htons(SEISMO_ETH_P_IP)) {
		struct iphdr ip;

		if (fault_packet__load(skb, l2_len, &ip, sizeof(ip)))
			return -1;
		pkt->family = 4;
		pkt->protocol = ip.protocol;
		pkt->saddr[0] = ip.saddr;
		pkt->daddr[0] = ip.daddr;
		l4_off = l2_len + (__u32)ip.ihl * 4;
		/* A non-first fragment carries no L4 header. */
		if (bpf_ntohs(ip.frag_off) & SEISMO_IP_OFFSET_MASK)
			return 0;
	} else if (skb->protocol == bpf_htons(SEISMO_ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (fault_packet__load(skb, l2_len, &ip6, sizeof(ip6)))
			return -1;
		pkt->family = 6;
		pkt->protocol = ip6.nexthdr; /* extension headers are not walked */
		__builtin_memcpy(pkt->saddr, &ip6.saddr, 16);
		__builtin_memcpy(pkt->daddr, &ip6.daddr, 16);
		l4_off = l2_len + sizeof(ip6);
	} else {
		return -1;
	}
	if (pkt->protocol != SEISMO_IPPROTO_TCP && pkt->protocol != SEISMO_IPPROTO_UDP)
		return 0;
	if (fault_packet__load(skb, l4_off, ports, sizeof(ports)))
		return 0;
	pkt->sport = bpf_ntohs(ports[0]);
	pkt->dport = bpf_ntohs(ports[1]);
	pkt->has_ports = 1;
	return 0;
}

/* fault_packet__peer_in - whether `peer` (network order) lies in the peer
 * set of the fault in `slot` (generation `gen`): one lookup in the
 * fault_peers trie at the address's full length. */
static __always_inline int fault_packet__peer_in(void *peers, __u32 slot, __u64 gen, __u8 family, const __u32 *peer)
{
	struct fault_peer_key key = { .prefixlen = 32 + 128, .slot = slot };
	struct fault_peer *hit;

	if (family == 4) {
		/* v4-mapped: ::ffff:a.b.c.d */
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &peer[0], 4);
	} else {
		__builtin_memcpy(key.addr, peer, 16);
	}
	hit = bpf_map_lookup_elem(peers, &key);
	return hit && hit->generation == gen;
}

/* fault_packet__matches - whether a fault's filters select this packet.
 * `peer_is_src`: the remote side is the source (the target receives);
 * `peers`: the fault_peers map. */
static __always_inline int fault_packet__matches(const struct fault_cfg *cfg, __u32 slot,
						 const struct fault_packet *pkt, __u32 peer_is_src, void *peers)
{
	const __u32 *peer = peer_is_src ? pkt->saddr : pkt->daddr;
	int hit;

	if (cfg->protocol != SEISMO_FAULT_PROTO_ANY && cfg->protocol != pkt->protocol &&
	    !(cfg->protocol == SEISMO_IPPROTO_ICMP && pkt->protocol == SEISMO_IPPROTO_ICMPV6))
		return 0;
	if (cfg->has_peers && !fault_packet__peer_in(peers, slot, cfg->generation, pkt->family, peer))
		return 0;
	if (cfg->nports) {
		/* Ports select traffic on either side: a service's port. */
		if (!pkt->has_ports)
			return 0;
		hit = 0;
		for (int i = 0; i < SEISMO_FAULT_PORTS; i++) {
			if (i >= cfg->nports)
				break;
			if ((pkt->sport >= cfg->ports[i].lo && pkt->sport <= cfg->ports[i].hi) ||
			    (pkt->dport >= cfg->ports[i].lo && pkt->dport <= cfg->ports[i].hi)) {
				hit = 1;
				break;
			}
		}
		if (!hit)
			return 0;
	}
	return 1;
}

/* fault_packet__in_cgroup - whether the packet's owning socket lies in the
 * fault's cgroup (target.by: socket) or below it. A packet with no full
 * local socket (forwarded, from another netns, a TCP SYN-ACK sent by a
 * request socket, a kernel RST) has ancestor id 0 and never matches. Call
 * only when cfg->cgroup_id != 0: faults without the filter skip the helper. */
static __always_inline int fault_packet__in_cgroup(struct __sk_buff *skb, const struct fault_cfg *cfg)
{
	return bpf_skb_ancestor_cgroup_id(skb, (int)(cfg->cgroup_level & 0xff)) == cfg->cgroup_id;
}
