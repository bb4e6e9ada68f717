// SPDX-License-Identifier: GPL-2.0
/* Per-cgroup IP packets and bytes, both directions, from cgroup_skb
 * programs. Userspace attaches them at the cgroup2 root (or a configured
 * cgroup) through BPF links, which the kernel always treats as
 * BPF_F_ALLOW_MULTI: they run next to a CNI's own programs. The programs
 * only count: every packet passes (return 1), whatever happens here.
 *
 * cgroup_skb runs for sockets of AF_INET/AF_INET6 only, at the IP layer
 * (egress in ip_finish_output, ingress in sk_filter), so traffic without a
 * local socket (forwarded, bridged) is not seen.
 *
 * The same programs see a client's DNS (docs/signals.md "DNS"): every
 * packet pays one port compare; only UDP/TCP to port 53 (egress) or from
 * it (ingress) goes on to dns__handle, a separate subprogram. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "seismo/net.h"
#include "seismo/dns.h"
#include "lib/maps.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/dns.bpf.h"

_Static_assert(sizeof(struct net_stats) == 32, "net_stats layout");
_Static_assert(sizeof(struct dns_count_key) == 16, "dns_count_key layout");
_Static_assert(sizeof(struct dns_latency) == 16 + 8 * SEISMO_HIST_SLOTS, "dns_latency layout");
_Static_assert(sizeof(struct dns_event) == 64 + SEISMO_DNS_NAME_MAX + 1, "dns_event layout");

#define ETH_P_IP (0x0800)
#define ETH_P_IPV6 (0x86DD)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);         /* cgroup id */
	__type(value, struct net_stats);
} net_stats SEC(".maps");

SEISMO_DEFINE_LOSSES();

#define DNS_PORT (53)

/* A query waiting for its response: the querying socket (its cookie is
 * the same on egress and ingress), its cgroup, the server it went to, the
 * transport and the DNS id. */
struct dns_pending_key {
	__u64 cookie;
	__u64 cgroup_id;
	__u8 server[16];
	__u16 server_port; /* network order */
	__u16 id;          /* network order */
	__u8 proto;
	__u8 pad[3];
};

struct dns_pending {
	__u64 ts_ns;
	__u16 qtype;
	__u8 pad[6];
};

/* LRU: a query never answered ages out instead of filling the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dns_pending_key);
	__type(value, struct dns_pending);
} dns_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, struct dns_count_key);
	__type(value, __u64);
} dns_counts SEC(".maps");

/* Not per-CPU: 272 B a cgroup would be multiplied by the CPUs for a
 * signal that runs at DNS rates (per query, not per packet); updates are
 * atomic adds instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* userspace resizes before load */
	__type(key, __u64);
	__type(value, struct dns_latency);
} dns_latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} dns_events SEC(".maps");

/* The question, copied out of the packet (too big for the stack). */
struct dns_scratch {
	__u8 buf[DNS__SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

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

/* dns__l3_len - the fast path every packet takes: the IP header's length
 * when this is UDP or TCP of a DNS client (to port 53 on egress, from port
 * 53 on ingress), else 0. Headers are read in place (the kernel pulled
 * them into the linear part); IPv6 extension headers are not walked. */
static __always_inline __u32 dns__l3_len(struct __sk_buff *skb, bool egress, __u8 *proto)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__be16 *ports;
	__u32 l3;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return 0;
		l3 = (ip->ihl * 4) & 0x3c;
		*proto = ip->protocol;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return 0;
		l3 = sizeof(*ip6);
		*proto = ip6->nexthdr;
	} else {
		return 0;
	}
	if (*proto != IPPROTO_UDP && *proto != IPPROTO_TCP)
		return 0;
	ports = data + l3;
	if ((void *)(ports + 2) > end)
		return 0;
	if (ports[egress ? 1 : 0] != bpf_htons(DNS_PORT))
		return 0;
	return l3 >= sizeof(struct iphdr) ? l3 : 0;
}

static __always_inline void dns__count(__u64 cgroup_id, __u8 kind, __u8 a, __u8 b)
{
	struct dns_count_key key = {.cgroup_id = cgroup_id, .kind = kind, .a = a, .b = b};
	__u64 zero = 0, *cnt;

	cnt = map__lookup_or_init(&dns_counts, &key, &zero);
	if (cnt)
		*cnt += 1;
	else
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
}

static __always_inline void dns__malformed(struct __sk_buff *skb, __u32 egress)
{
	dns__count(bpf_skb_cgroup_id(skb), SEISMO_DNS_COUNT_MALFORMED,
		   egress ? SEISMO_DNS_DIR_EGRESS : SEISMO_DNS_DIR_INGRESS, 0);
}

static __always_inline void dns__observe(__u64 cgroup_id, __u64 latency_ns)
{
	struct dns_latency zero = {}, *lat;
	__u64 slot = hist__slot(latency_ns);

	lat = map__lookup_or_init(&dns_latency, &cgroup_id, &zero);
	if (!lat) {
		loss__count(&losses, SEISMO_LOSS_STATS_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(&lat->count, 1);
	__sync_fetch_and_add(&lat->sum_ns, latency_ns);
	__sync_fetch_and_add(&lat->hist[slot], 1);
}

/* dns__server - fills the server side of the key (daddr/dport of a query,
 * saddr/sport of a response) and returns the address family, 0 if the
 * header could not be read. */
static __always_inline __u8 dns__server(struct __sk_buff *skb, __u32 l3, __u32 egress,
					struct dns_pending_key *key)
{
	__u32 port_off = l3 + (egress ? 2 : 0);

	if (bpf_skb_load_bytes(skb, port_off, &key->server_port, 2))
		return 0;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, egress ? 16 : 12, key->server, 4))
			return 0;
		return 4;
	}
	if (bpf_skb_load_bytes(skb, egress ? 24 : 8, key->server, 16))
		return 0;
	return 6;
}

/* dns__answered - a response matched its query: count it, add its latency
 * and send the trace record. */
static __always_inline void dns__answered(struct __sk_buff *skb, const struct dns_pending_key *key,
					  __u8 family, __u64 latency_ns, __u8 rcode, __u16 qtype,
					  __u32 name_off, __u32 name_len)
{
	struct dns_event *ev;

	dns__count(key->cgroup_id, SEISMO_DNS_COUNT_REQUEST, dns__rcode_bucket(rcode),
		   dns__qtype_bucket(qtype));
	dns__observe(key->cgroup_id, latency_ns);
	ev = bpf_ringbuf_reserve(&dns_events, sizeof(*ev), 0);
	if (!ev) {
		loss__count(&losses, SEISMO_LOSS_RINGBUF_FULL);
		return;
	}
	ev->hdr.version = SEISMO_EVENT_VERSION;
	ev->hdr.kind = SEISMO_EVENT_DNS;
	ev->hdr.size = sizeof(*ev);
	ev->cgroup_id = key->cgroup_id;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->latency_ns = latency_ns;
	__builtin_memcpy(ev->server, key->server, sizeof(ev->server));
	ev->server_port = bpf_ntohs(key->server_port);
	ev->id = bpf_ntohs(key->id);
	ev->qtype = qtype;
	ev->family = family;
	ev->proto = key->proto;
	ev->rcode = rcode;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	name_len &= 0xff; /* 1..255, checked by the caller */
	if (name_len == 0 || bpf_skb_load_bytes(skb, name_off, ev->name, name_len)) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->name_len = name_len;
	bpf_ringbuf_submit(ev, 0);
}

/* dns__handle - parse a DNS client's packet: remember a query (egress),
 * match a response to it (ingress). Out of line so the common, non-DNS
 * path stays a port compare. Anything that does not parse is counted as
 * malformed and otherwise ignored. */
static __noinline int dns__handle(struct __sk_buff *skb, __u32 l3, __u32 proto, __u32 egress)
{
	struct dns_pending_key key = {};
	struct dns_pending pending = {}, *query;
	struct dns__header hdr;
	struct dns_scratch *scratch;
	__u32 zero = 0, off, end, avail, name_len;
	__u16 flags, qtype;
	__u8 family;
	int msg;

	msg = dns__message(skb, l3, proto, &off, &end);
	if (msg == 0)
		return 0;
	if (msg < 0 || end < off + DNS__HEADER_LEN ||
	    bpf_skb_load_bytes(skb, off, &hdr, DNS__HEADER_LEN))
		goto malformed;
	flags = bpf_ntohs(hdr.flags);
	if ((flags >> 15) != !egress || bpf_ntohs(hdr.qdcount) != 1)
		goto malformed;
	if (((flags >> 11) & 0xf) != 0)
		return 0; /* not a standard query (NOTIFY, UPDATE, ...) */
	off += DNS__HEADER_LEN;
	avail = end - off;
	if (avail < 5) /* root name, qtype, qclass */
		goto malformed;
	if (avail > DNS__QUESTION_MAX)
		avail = DNS__QUESTION_MAX;
	scratch = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!scratch || bpf_skb_load_bytes(skb, off, scratch->buf, avail))
		return 0;
	name_len = dns__name_len(scratch->buf, avail);
	if (!name_len || name_len + 4 > avail)
		goto malformed;
	qtype = (__u16)scratch->buf[name_len & (DNS__SCRATCH - 1)] << 8 |
		scratch->buf[(name_len + 1) & (DNS__SCRATCH - 1)];

	key.cookie = bpf_get_socket_cookie(skb);
	key.cgroup_id = bpf_skb_cgroup_id(skb);
	key.id = hdr.id;
	key.proto = proto;
	family = dns__server(skb, l3, egress, &key);
	if (!family)
		return 0;
	if (egress) {
		pending.ts_ns = bpf_ktime_get_ns();
		pending.qtype = qtype;
		bpf_map_update_elem(&dns_pending, &key, &pending, BPF_ANY);
		return 0;
	}
	query = bpf_map_lookup_elem(&dns_pending, &key);
	if (!query)
		return 0; /* not ours, answered twice, or aged out */
	if (query->qtype != qtype) {
		bpf_map_delete_elem(&dns_pending, &key);
		goto malformed; /* answers another question */
	}
	pending.ts_ns = query->ts_ns;
	bpf_map_delete_elem(&dns_pending, &key);
	dns__answered(skb, &key, family, bpf_ktime_get_ns() - pending.ts_ns, flags & 0xf, qtype, off,
		      name_len);
	return 0;

malformed:
	dns__malformed(skb, egress);
	return 0;
}

SEC("cgroup_skb/ingress")
int cgskb_ingress(struct __sk_buff *skb)
{
	__u32 l3;
	__u8 proto;

	net__count(skb, false);
	l3 = dns__l3_len(skb, false, &proto);
	if (l3)
		dns__handle(skb, l3, proto, 0);
	return 1; /* fail open: never drop */
}

SEC("cgroup_skb/egress")
int cgskb_egress(struct __sk_buff *skb)
{
	__u32 l3;
	__u8 proto;

	net__count(skb, true);
	l3 = dns__l3_len(skb, true, &proto);
	if (l3)
		dns__handle(skb, l3, proto, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
