/* Faults that act on the packet's bytes (issue 15): duplicate (a copy is
 * sent too) and corrupt (one payload bit flipped so the receiver's checksum
 * rejects the packet, as after a real wire). Both pick packets with the
 * Gilbert chain of cfg->loss_enter / loss_leave (fault_model__lose).
 * docs/faults.md, Duplicate and Corrupt, says what the receiver sees. */
#pragma once

#define SEISMO_BPF_F_RECOMPUTE_CSUM (1ULL << 0) /* uapi bpf.h: keep CHECKSUM_COMPLETE's skb->csum true */
#define SEISMO_BPF_CSUM_LEVEL_RESET (3)         /* uapi bpf.h: CHECKSUM_UNNECESSARY -> CHECKSUM_NONE */
#define SEISMO_IPV4_CSUM_OFF (10)               /* struct iphdr.check */
#define SEISMO_UDP_CSUM_OFF (6)
#define SEISMO_TCP_CSUM_OFF (16)
#define SEISMO_IP_MF (0x2000)

/* Set on this CPU while bpf_clone_redirect runs: at egress the clone goes
 * through dev_queue_xmit inside the helper call (__bpf_tx_skb on 6.1 to
 * 6.18), with BH off, so it re-enters this program on this CPU before the
 * helper returns. The copy meets every other fault but is not copied again. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fault_cloning SEC(".maps");

/* fault_duplicate__apply - sends a copy of a picked packet out of the same
 * device (the original goes on as well and counts as passed). Only at
 * egress: traffic towards the target is duplicated on its veth peer's
 * egress (FaultPlanner::ingress_at_peer_egress), where the clone is sent
 * synchronously; at ingress it would go through the backlog. */
static __always_inline int fault_duplicate__apply(struct __sk_buff *skb, struct fault_ctx *ctx, const struct fault_cfg *cfg,
						  struct fault_state *st, struct fault_stats *stats)
{
	__u32 zero = 0, *cloning = bpf_map_lookup_elem(&fault_cloning, &zero);

	if (!cloning)
		return 0;
	if (*cloning) /* this run is the copy's: it is the duplicate, not a packet of its own */
		return 0;
	stats->passed += 1;
	if (ctx->ingress || !fault_model__lose(st, cfg))
		return 0;
	*cloning = 1;
	if (bpf_clone_redirect(skb, skb->ifindex, 0))
		loss__count(&fault_losses, SEISMO_FAULT_LOSS_DUPLICATE_FAILED);
	else
		stats->duplicated += 1;
	*cloning = 0;
	return 0;
}

/* fault_corrupt__fold - one's complement sum of 16-bit words folded to 16 bits. */
static __always_inline __u32 fault_corrupt__fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u32)sum;
}

/* fault_corrupt__seed - the pseudo-header sum a CHECKSUM_PARTIAL packet
 * carries in its checksum field (~csum_tcpudp_magic / ~csum_ipv6_magic with
 * no data): words summed as they lie in memory, like the field itself.
 * `addr` holds source then destination, `words` u32s each. */
static __always_inline __u32 fault_corrupt__seed(const __u32 *addr, int words, __u8 protocol, __u32 l4_len)
{
	__u64 sum = bpf_htons((__u16)protocol) + bpf_htons((__u16)l4_len);

	for (int i = 0; i < 8; i++) {
		if (i >= 2 * words)
			break;
		sum += (addr[i] & 0xffff) + (addr[i] >> 16);
	}
	return fault_corrupt__fold(sum);
}

/* fault_corrupt__flip - xors one bit into the byte at off. */
static __always_inline int fault_corrupt__flip(struct __sk_buff *skb, __u32 off, __u8 bit)
{
	__u8 b;

	if (bpf_skb_load_bytes(skb, off, &b, 1))
		return -1;
	b ^= (__u8)(1U << (bit & 7));
	return bpf_skb_store_bytes(skb, off, &b, 1, SEISMO_BPF_F_RECOMPUTE_CSUM) ? -1 : 0;
}

/* What fault_corrupt__packet reads of the IP header. */
struct fault_l4 {
	__u32 addr[8];   /* source, destination (IPv4: addr[0], addr[1]) */
	__u32 off;       /* transport header */
	__u32 len;       /* transport segment (IP payload) */
	__u8 family;
	__u8 protocol;
};

/* fault_corrupt__l4 - reads the IP header. 0 on success; -1 for what a
 * flipped bit cannot be guaranteed to get rejected: not TCP/UDP, a fragment,
 * a GSO packet (resegmented later, by a NIC too). */
static __always_inline int fault_corrupt__l4(struct __sk_buff *skb, struct fault_l4 *l4)
{
	if (skb->gso_size)
		return -1;
	if (skb->protocol == bpf_htons(SEISMO_ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, cfg_l2_len, &ip, sizeof(ip)))
			return -1;
		if (bpf_ntohs(ip.frag_off) & (SEISMO_IP_MF | SEISMO_IP_OFFSET_MASK))
			return -1;
		l4->family = 4;
		l4->protocol = ip.protocol;
		l4->addr[0] = ip.saddr;
		l4->addr[1] = ip.daddr;
		l4->off = cfg_l2_len + (__u32)ip.ihl * 4;
		l4->len = bpf_ntohs(ip.tot_len) - (__u32)ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(SEISMO_ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, cfg_l2_len, &ip6, sizeof(ip6)))
			return -1;
		l4->family = 6;
		l4->protocol = ip6.nexthdr; /* extension headers are not walked */
		__builtin_memcpy(&l4->addr[0], &ip6.saddr, 16);
		__builtin_memcpy(&l4->addr[4], &ip6.daddr, 16);
		l4->off = cfg_l2_len + sizeof(ip6);
		l4->len = bpf_ntohs(ip6.payload_len);
	} else {
		return -1;
	}
	if (l4->protocol != SEISMO_IPPROTO_UDP && l4->protocol != SEISMO_IPPROTO_TCP)
		return -1;
	return l4->len > 0xffff ? -1 : 0;
}

/* fault_corrupt__packet - flips one random bit the receiver's checksum
 * catches. A packet with a full checksum (CHECKSUM_NONE, or UNNECESSARY
 * reset to NONE, or COMPLETE with skb->csum kept true): a bit of the
 * transport payload (of the TCP checksum field when there is no payload),
 * so the receiver's UDP/TCP checksum fails. A CHECKSUM_PARTIAL packet (its
 * checksum field holds the pseudo-header seed; a veth receiver trusts it and
 * a NIC would checksum the flipped bytes) is told by that seed: IPv4, a bit
 * of the IP header checksum, which every receiver verifies; IPv6 has none,
 * so it is left alone. Returns 0 when a bit was flipped. A global function:
 * verified once, not once per fault slot of fault__apply's loop. */
__noinline int fault_corrupt__packet(struct __sk_buff *skb)
{
	struct fault_l4 l4 = {};
	__u32 hdr_len, csum_off, seed, r;
	__u16 check;
	__u8 doff;

	if (!skb || fault_corrupt__l4(skb, &l4))
		return -1;
	if (l4.protocol == SEISMO_IPPROTO_UDP) {
		hdr_len = 8;
		csum_off = l4.off + SEISMO_UDP_CSUM_OFF;
	} else {
		if (bpf_skb_load_bytes(skb, l4.off + 12, &doff, 1))
			return -1;
		hdr_len = (__u32)(doff >> 4) * 4;
		csum_off = l4.off + SEISMO_TCP_CSUM_OFF;
	}
	if (hdr_len > l4.len || bpf_skb_load_bytes(skb, csum_off, &check, sizeof(check)))
		return -1;
	r = bpf_get_prandom_u32();
	seed = fault_corrupt__seed(l4.addr, l4.family == 4 ? 1 : 4, l4.protocol, l4.len);
	if (check == seed || (check == 0xffff && seed == 0) || (check == 0 && seed == 0xffff)) {
		if (l4.family != 4)
			return -1;
		return fault_corrupt__flip(skb, cfg_l2_len + SEISMO_IPV4_CSUM_OFF + (r & 1), (__u8)(r >> 8));
	}
	/* UDP over IPv4 with no checksum: nothing at the receiver would notice. */
	if (l4.protocol == SEISMO_IPPROTO_UDP && check == 0)
		return -1;
	bpf_csum_level(skb, SEISMO_BPF_CSUM_LEVEL_RESET);
	if (l4.len == hdr_len) {
		if (l4.protocol == SEISMO_IPPROTO_UDP)
			return -1;
		return fault_corrupt__flip(skb, csum_off + (r & 1), (__u8)(r >> 8));
	}
	return fault_corrupt__flip(skb, l4.off + hdr_len + (r >> 8) % (l4.len - hdr_len), (__u8)r);
}

/* fault_corrupt__apply - picks the packet for corruption or lets it pass.
 * A picked packet is only marked here: fault__finish_corrupt flips its bit
 * once every fault has run, so a copy a later duplicate fault makes is a
 * clean clone that meets corrupt on its own, two corrupt faults never flip
 * two bits (which could cancel out in the checksum), and a packet a later
 * fault drops is not counted as corrupted. */
static __always_inline int fault_corrupt__apply(struct fault_ctx *ctx, const struct fault_cfg *cfg, __u32 slot,
						struct fault_state *st, struct fault_stats *stats)
{
	if (!fault_model__lose(st, cfg)) {
		stats->passed += 1;
		return 0;
	}
	if (ctx->ncorrupt < SEISMO_FAULTS_PER_ATTACH)
		ctx->corrupt_slot[ctx->ncorrupt++] = slot;
	return 0;
}

/* fault__finish_corrupt - corrupts a packet some corrupt fault picked and
 * nothing dropped: counted as corrupted by each fault that picked it; one
 * that cannot be corrupted so the receiver rejects it goes on untouched,
 * counted as passed by each and once in fault_losses' corrupt_skipped. */
static __always_inline void fault__finish_corrupt(struct __sk_buff *skb, const struct fault_ctx *ctx)
{
	int skipped = fault_corrupt__packet(skb) != 0;

	if (skipped)
		loss__count(&fault_losses, SEISMO_FAULT_LOSS_CORRUPT_SKIPPED);
	for (int i = 0; i < SEISMO_FAULTS_PER_ATTACH; i++) {
		struct fault_stats *stats;
		__u32 slot;

		if (i >= ctx->ncorrupt)
			break;
		slot = ctx->corrupt_slot[i];
		stats = bpf_map_lookup_elem(&fault_stats, &slot);
		if (!stats)
			continue;
		if (skipped)
			stats->passed += 1;
		else
			stats->corrupted += 1;
	}
}
