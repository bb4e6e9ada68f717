// SPDX-License-Identifier: GPL-2.0
/* Network faults from tc clsact: loss (Gilbert model) and delay (EDT: the
 * program stamps skb->tstamp, an fq qdisc on the device releases the packet
 * then). One program instance per attachment (device + hook), told its
 * attachment id through rodata; all instances share the pinned maps. A fault
 * ends when its expiry (monotonic ns, in the map) passes, whatever happens to
 * the daemon. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "seismo/chaos.h"
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/fault_packet.bpf.h"
#include "lib/fault_model.bpf.h"
#include "lib/fault_ctx.bpf.h"

_Static_assert(sizeof(struct fault_peer_key) == 24, "fault_peer_key layout");
_Static_assert(sizeof(struct fault_peer) == 8, "fault_peer layout");
_Static_assert(sizeof(struct fault_cfg) == 144, "fault_cfg layout");
_Static_assert(sizeof(struct fault_attach) == 40, "fault_attach layout");
_Static_assert(sizeof(struct fault_stats) == 64, "fault_stats layout");
_Static_assert(sizeof(struct fault_state) == 24, "fault_state layout");
_Static_assert(sizeof(struct fault_bucket) == 40, "fault_bucket layout");
_Static_assert(sizeof(struct fault_flow_key) == 8, "fault_flow_key layout");
_Static_assert(sizeof(struct fault_guard) == 240, "fault_guard layout");
_Static_assert(sizeof(struct fault_guard_owner_key) == 16, "fault_guard_owner_key layout");
_Static_assert(sizeof(struct fault_guard_owner) == 40, "fault_guard_owner layout");

/* uapi/linux/pkt_cls.h, which vmlinux.h (enums and types only) lacks.
 * UNSPEC, not OK, lets the packet on to the next filter: a direct-action OK
 * would end classification and bypass filters of other tools behind ours. */
#define SEISMO_TC_ACT_UNSPEC (-1)
#define SEISMO_TC_ACT_SHOT (2)
#define SEISMO_TC_ACT_STOLEN (4)

/* Loss stages of this object (fault_losses). */
#define SEISMO_FAULT_LOSS_FLOWS_FULL (0) /* a flow's last stamp could not be stored */
#define SEISMO_FAULT_LOSS_DUPLICATE_FAILED (1) /* bpf_clone_redirect failed: no copy sent */
#define SEISMO_FAULT_LOSS_CORRUPT_SKIPPED (2)  /* picked, but not corruptible so the receiver rejects it */
#define SEISMO_FAULT_LOSS_SLOTS (4)

const volatile __u32 cfg_attach_id = 0;
const volatile __u32 cfg_l2_len = 14;   /* 0 on L3 devices (no MAC header) */
const volatile __u32 cfg_peer_is_src = 0; /* the hook sees traffic towards the target */
/* Which seismod loaded this program (a hash of its pin directory): a restart
 * that lost both its pins and its state file still recognises its filters. */
const volatile __u64 cfg_instance = 0;
/* guards: tcp_retransmit_skb passes the attempt's error (lib/tcp_retrans.bpf.h) */
const volatile __u32 cfg_retrans_err_arg = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS);
	__type(key, __u32);
	__type(value, struct fault_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_cfg SEC(".maps");

/* Every fault's peer prefixes, keyed by slot (fault_peer_key). An LPM trie
 * must not be preallocated; tc programs may look it up since 4.11. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SEISMO_FAULT_PEERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fault_peer_key);
	__type(value, struct fault_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SEISMO_FAULT_ATTACH_SLOTS);
	__type(key, __u32);
	__type(value, struct fault_attach);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_attach SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS);
	__type(key, __u32);
	__type(value, struct fault_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS * SEISMO_HIST_SLOTS);
	__type(key, __u32); /* slot * SEISMO_HIST_SLOTS + log2(added delay ns) */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS);
	__type(key, __u32);
	__type(value, struct fault_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS * 2);
	__type(key, __u32); /* slot * 2 + 1 at ingress */
	__type(value, struct fault_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SEISMO_FAULT_FLOWS);
	__type(key, struct fault_flow_key);
	__type(value, __u64); /* last departure time stamped, monotonic ns */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEISMO_FAULT_LOSS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_losses SEC(".maps");

/* Guards: one per fault slot, shared by every CPU (atomic counts). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SEISMO_FAULT_SLOTS);
	__type(key, __u32);
	__type(value, struct fault_guard);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_guards SEC(".maps");

/* A netns or cgroup -> the guarded faults that target it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SEISMO_GUARD_OWNERS);
	__type(key, struct fault_guard_owner_key);
	__type(value, struct fault_guard_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fault_guard_owners SEC(".maps");

/* The kinds in their own files; they use the maps above. */
#include "lib/fault_bandwidth.bpf.h"
#include "lib/fault_copy.bpf.h"
#include "lib/fault_guard.bpf.h"
#include "lib/tcp_retrans.bpf.h"

/* fault__departure - the delivery time for a packet delayed by `delay`
 * from `base`, kept monotonic per flow unless the fault allows reordering. */
static __always_inline __u64 fault__departure(struct __sk_buff *skb, __u64 base, __u64 delay, __u32 reorder)
{
	struct fault_flow_key key = { .attach_id = cfg_attach_id };
	__u64 t = base + delay, *last;

	if (reorder)
		return t;
	key.hash = bpf_get_hash_recalc(skb);
	last = bpf_map_lookup_elem(&fault_flows, &key);
	if (last && *last > t)
		t = *last;
	if (bpf_map_update_elem(&fault_flows, &key, &t, BPF_ANY))
		loss__count(&fault_losses, SEISMO_FAULT_LOSS_FLOWS_FULL);
	return t;
}

/* fault__stamp - sets the delivery time as a monotonic delivery stamp, the
 * only kind that survives the netns crossing on 5.18+ and that fq honours. */
static __always_inline void fault__stamp(struct __sk_buff *skb, __u64 t)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_skb_set_tstamp))
		bpf_skb_set_tstamp(skb, t, BPF_SKB_TSTAMP_DELIVERY_MONO);
	else
		skb->tstamp = t; /* before 5.18: a plain mono stamp, cleared on netns crossing */
}

/* fault__base - when the packet may leave without us: now, or the
 * departure time TCP's pacing already put on it. */
static __always_inline __u64 fault__base(struct __sk_buff *skb, __u64 now)
{
	__u64 ts = skb->tstamp;

	if (bpf_core_field_exists(skb->tstamp_type) && skb->tstamp_type != BPF_SKB_TSTAMP_DELIVERY_MONO)
		return now;
	return ts > now ? ts : now;
}

static __always_inline void fault__count_delay(__u32 slot, __u64 added)
{
	__u32 key = slot * SEISMO_HIST_SLOTS + hist__slot(added);
	__u64 *cnt = bpf_map_lookup_elem(&fault_hist, &key);

	if (cnt)
		*cnt += 1;
}

/* fault__one - applies one live, matching fault to the packet. Returns
 * SEISMO_FAULT_DROP when the packet is to be dropped, else 0 (delays only
 * accumulate in ctx; the stamp is set once, after every fault). */
static __always_inline int fault__one(struct __sk_buff *skb, struct fault_ctx *ctx, const struct fault_cfg *cfg, __u32 slot,
				      struct fault_state *st, struct fault_stats *stats)
{
	switch (cfg->action) {
	case SEISMO_FAULT_LOSS:
		if (fault_model__lose(st, cfg)) {
			stats->dropped += 1;
			return SEISMO_FAULT_DROP;
		}
		stats->passed += 1;
		return 0;
	case SEISMO_FAULT_DELAY:
		ctx->delayed = 1;
		ctx->delay_slot = slot;
		if (fault_model__reorder(st, cfg)) {
			ctx->at_once = 1; /* netem's reorder: ahead of the delayed ones */
			return 0;
		}
		ctx->delay += fault_model__delay(st, cfg);
		ctx->reorder |= cfg->flags & SEISMO_FAULT_F_REORDER;
		return 0;
	case SEISMO_FAULT_BANDWIDTH:
		return fault_bandwidth__apply(skb, ctx, cfg, slot, stats);
	case SEISMO_FAULT_DUPLICATE:
		return fault_duplicate__apply(skb, ctx, cfg, st, stats);
	case SEISMO_FAULT_CORRUPT:
		return fault_corrupt__apply(ctx, cfg, slot, st, stats);
	}
	return 0;
}

/* fault__guard_delayed - counts a delayed packet against the guard of
 * the delay fault that delayed it. */
static __always_inline void fault__guard_delayed(struct fault_ctx *ctx)
{
	struct fault_cfg *cfg = bpf_map_lookup_elem(&fault_cfg, &ctx->delay_slot);
	struct fault_guard *g;

	if (!cfg)
		return;
	g = guard__of(cfg, ctx->delay_slot);
	if (g)
		guard__add(g, SEISMO_GUARD_DELAYED, 1, ctx->now);
}

/* fault__finish_delay - stamps the packet with the sum of the matching
 * delay faults (and any departure a shaping fault asked for). */
static __always_inline void fault__finish_delay(struct __sk_buff *skb, struct fault_ctx *ctx)
{
	__u64 base = fault__base(skb, ctx->now); /* now was read: a fault matched */
	struct fault_stats *stats;
	__u64 t;

	/* A shaping fault's departure is when the packet leaves the shaper;
	 * a delay adds to it, as a link's latency adds to its queue. */
	if (ctx->depart > base)
		base = ctx->depart;
	if (!ctx->delayed) {
		fault__stamp(skb, base);
		return;
	}
	stats = bpf_map_lookup_elem(&fault_stats, &ctx->delay_slot);
	if (ctx->at_once) {
		/* "At once" is the packet's own departure: now, or a later
		 * pacing stamp TCP gave it (or the shaper's). It skips the
		 * flow's monotonic stamp (it overtakes the delayed packets,
		 * which is the point) and leaves that stamp alone, so the
		 * packets delayed after it still keep their order among
		 * themselves. Any other fault's added departure (ctx->delay)
		 * still holds. */
		t = base + ctx->delay;
		fault__stamp(skb, t);
		if (stats)
			stats->reordered += 1;
		return;
	}
	t = fault__departure(skb, base, ctx->delay, ctx->reorder);
	fault__stamp(skb, t);
	/* Counted only here: a later loss fault may have dropped the
	 * packet, and a dropped packet is not delayed (the VM tier found
	 * "delay, then loss" counting every packet as delayed). At most
	 * one delay fault matches a packet (the conflict rule), so
	 * delay_slot names it. */
	if (stats) {
		stats->delayed += 1;
		/* What the packet waits beyond its own departure time, flow order included. */
		stats->delay_ns += t - base;
	}
	fault__count_delay(ctx->delay_slot, t - base);
	fault__guard_delayed(ctx);
}

/* The fault an attachment lists at `slot` when it is live and selects this
 * packet (filters, cgroup, expiry), its stats and model state synced; NULL
 * otherwise. *now is read once, for the first fault that matches. Shared by
 * the tc programs and the cgroup_skb one. */
struct fault_live {
	struct fault_cfg *cfg;
	struct fault_stats *stats;
	struct fault_state *st;
	struct fault_guard *guard; /* NULL: not guarded */
};

static __always_inline int fault__live(struct __sk_buff *skb, const struct fault_packet *pkt, __u32 slot,
				       __u32 peer_is_src, __u64 *now, struct fault_live *out)
{
	struct fault_cfg *cfg = bpf_map_lookup_elem(&fault_cfg, &slot);

	if (!cfg || !cfg->expires_ns)
		return 0;
	if (!fault_packet__matches(cfg, slot, pkt, peer_is_src, &fault_peers))
		return 0;
	if (cfg->cgroup_id && !fault_packet__in_cgroup(skb, cfg))
		return 0;
	if (!*now)
		*now = bpf_ktime_get_ns();
	if (*now >= cfg->expires_ns)
		return 0;
	out->guard = 0;
	if (cfg->flags & SEISMO_FAULT_F_GUARD) {
		/* Aborted (or its guard not written yet): pass everything. */
		out->guard = guard__of(cfg, slot);
		if (!out->guard || out->guard->aborted_ns)
			return 0;
	}
	out->stats = bpf_map_lookup_elem(&fault_stats, &slot);
	out->st = bpf_map_lookup_elem(&fault_state, &slot);
	if (!out->stats || !out->st)
		return 0;
	fault_model__sync(out->st, cfg);
	out->cfg = cfg;
	return 1;
}

/* fault__slot - applies the fault in `slot` to the packet if it is live and
 * selects it; fault__one's verdict. A global function, so the verifier
 * checks its body once: inlined into fault__apply's loop, once per fault of
 * an attachment, every kind's branches together passed the verifier's
 * budget of a million instructions. */
__noinline int fault__slot(struct __sk_buff *skb, struct fault_ctx *ctx, __u32 slot)
{
	struct fault_live f;

	if (!skb || !ctx)
		return 0;
	int verdict;

	if (!fault__live(skb, &ctx->pkt, slot, cfg_peer_is_src, &ctx->now, &f))
		return 0;
	verdict = fault__one(skb, ctx, f.cfg, slot, f.st, f.stats);
	if (verdict == SEISMO_FAULT_DROP && f.guard)
		guard__add(f.guard, SEISMO_GUARD_DROPPED, 1, ctx->now);
	return verdict;
}

/* fault__apply - runs every live fault of this attachment over the packet.
 * Faults compose (docs/faults.md, Composition): any loss fault may drop it
 * (independently), the delays of the delay faults that match add up.
 * Returns the tc verdict. */
static __always_inline int fault__apply(struct __sk_buff *skb, int drop_verdict)
{
	__u32 attach_id = cfg_attach_id;
	struct fault_ctx ctx = { .ingress = drop_verdict == SEISMO_TC_ACT_SHOT };
	struct fault_attach *att;

	att = bpf_map_lookup_elem(&fault_attach, &attach_id);
	if (!att || !att->count)
		return SEISMO_TC_ACT_UNSPEC;
	if (fault_packet__parse(skb, cfg_l2_len, &ctx.pkt))
		return SEISMO_TC_ACT_UNSPEC;
	/* ctx.now stays 0 until a fault matches: the clock is read only then */

	for (int i = 0; i < SEISMO_FAULTS_PER_ATTACH; i++) {
		if (i >= att->count)
			break;
		if (fault__slot(skb, &ctx, att->slots[i]) == SEISMO_FAULT_DROP)
			return drop_verdict;
	}
	if (ctx.ncorrupt)
		fault__finish_corrupt(skb, &ctx);
	if (ctx.delayed || ctx.depart)
		fault__finish_delay(skb, &ctx);
	return SEISMO_TC_ACT_UNSPEC;
}

/* Egress: TC_ACT_STOLEN, not SHOT, so a local sender sees success (SHOT at
 * egress returns NET_XMIT_DROP, i.e. ENOBUFS, to it): loss looks like the
 * network's. */
SEC("tc")
int tc_fault_egress(struct __sk_buff *skb)
{
	return fault__apply(skb, SEISMO_TC_ACT_STOLEN);
}

/* Ingress: the sender is elsewhere; SHOT records a proper drop reason. */
SEC("tc")
int tc_fault_ingress(struct __sk_buff *skb)
{
	return fault__apply(skb, SEISMO_TC_ACT_SHOT);
}

/* Ingress by cgroup (target.by: socket): tc ingress runs before the socket
 * lookup, so traffic towards a cgroup's sockets is judged here, in the
 * socket's receive path, from a program attached to the cgroup. Only what
 * a cgroup_skb program can honour: a drop (loss, partition); the planner
 * refuses the other kinds at ingress. Fails open. */
SEC("cgroup_skb/ingress")
int cgskb_fault_ingress(struct __sk_buff *skb)
{
	__u32 attach_id = cfg_attach_id;
	struct fault_packet pkt = {};
	struct fault_attach *att;
	__u64 now = 0;

	att = bpf_map_lookup_elem(&fault_attach, &attach_id);
	if (!att || !att->count)
		return 1;
	if (fault_packet__parse(skb, 0, &pkt)) /* skb->data is the IP header here */
		return 1;
	for (int i = 0; i < SEISMO_FAULTS_PER_ATTACH; i++) {
		struct fault_live f;

		if (i >= att->count)
			break;
		/* The planner lists only loss faults here (a partition is loss). */
		if (!fault__live(skb, &pkt, att->slots[i], 1, &now, &f) || f.cfg->action != SEISMO_FAULT_LOSS)
			continue;
		if (fault_model__lose(f.st, f.cfg)) {
			f.stats->dropped += 1;
			if (f.guard)
				guard__add(f.guard, SEISMO_GUARD_DROPPED, 1, now);
			return 0;
		}
		f.stats->passed += 1;
	}
	return 1;
}

/* Guards' TCP counts (lib/fault_guard.bpf.h): loaded and attached through
 * pinned links while a guarded fault exists (userspace/chaos/guard_tracing),
 * so they keep counting and aborting without seismod. tp_btf, with raw_tp
 * for kernels without BTF-typed tracepoints; only one flavour loads. */
static __always_inline void guard__on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_SENT || newstate != TCP_CLOSE)
		return;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	guard__tcp_event(sk, 0, SEISMO_GUARD_TCP_CONNECT_FAILURES, SEISMO_GUARD_KINDS, 1);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(guard_state, const struct sock *sk, const int oldstate, const int newstate)
{
	guard__on_state(sk, oldstate, newstate);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(guard_state_raw, const struct sock *sk, const int oldstate, const int newstate)
{
	guard__on_state(sk, oldstate, newstate);
	return 0;
}

/* Retransmitted segments, as the TCP probe and TcpRetransSegs count them
 * (lib/tcp_retrans.bpf.h: a failed attempt sends nothing and counts 0). */
static __always_inline void guard__on_retrans(const __u64 *ctx)
{
	__u32 segs = tcp_retrans__segments(ctx, cfg_retrans_err_arg);

	if (segs)
		guard__tcp_event((const struct sock *)ctx[0], 0, SEISMO_GUARD_TCP_RETRANSMITS, SEISMO_GUARD_KINDS, segs);
}

SEC("tp_btf/tcp_retransmit_skb")
int guard_retrans(__u64 *ctx)
{
	guard__on_retrans(ctx);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int guard_retrans_raw(__u64 *ctx)
{
	guard__on_retrans(ctx);
	return 0;
}

/* sk is NULL for a reset answering a segment no socket wanted. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(guard_rst_tx, const struct sock *sk, const struct sk_buff *skb)
{
	guard__tcp_event(sk, skb, SEISMO_GUARD_TCP_RESETS_SENT, SEISMO_GUARD_TCP_RESETS, 1);
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(guard_rst_tx_raw, const struct sock *sk, const struct sk_buff *skb)
{
	guard__tcp_event(sk, skb, SEISMO_GUARD_TCP_RESETS_SENT, SEISMO_GUARD_TCP_RESETS, 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(guard_rst_rx, struct sock *sk)
{
	guard__tcp_event(sk, 0, SEISMO_GUARD_TCP_RESETS_RECEIVED, SEISMO_GUARD_TCP_RESETS, 1);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(guard_rst_rx_raw, struct sock *sk)
{
	guard__tcp_event(sk, 0, SEISMO_GUARD_TCP_RESETS_RECEIVED, SEISMO_GUARD_TCP_RESETS, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
