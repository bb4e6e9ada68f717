/* Bandwidth faults (issue 15): a token bucket per fault and direction in
 * fault_buckets, shared by all CPUs under its spin lock, like a tbf on the
 * device. Police: a packet beyond the bucket is dropped. Shape
 * (SEISMO_FAULT_F_SHAPE): the packet's departure is pushed out so the
 * fault's traffic leaves at the rate (EDT; fq releases it), dropped beyond
 * limit_bytes of queue.
 *
 * The bucket is kept as a time rather than a byte count: stamp_ns is when
 * the bucket is (or was) empty, so it holds (now - stamp_ns) * rate bytes,
 * capped at burst_bytes (stamp_ns is clamped to now - burst time). Sending
 * len bytes moves stamp_ns on by len / rate. No multiplication of a rate by
 * an idle time can overflow, and shaping's departure is stamp_ns itself.
 * The peak bucket (peak_Bps, minburst_bytes) is the same, in peak_tokens.
 *
 * GSO: a TSO/GSO packet is up to 64 KiB at tc egress and is charged in full
 * (skb->len). A packet larger than the bucket would never fit, so one
 * passes whenever the bucket is full and leaves it in debt (stamp_ns in the
 * future): the mean rate still holds; the burst is one packet. */
#pragma once

#define SEISMO_NSEC_PER_SEC (1000000000ULL)

/* bucket__ns - the time `bytes` take at `rate` bytes/s. bytes < 2^32 and
 * 1e9 < 2^30, so the product fits in 64 bits. */
static __always_inline __u64 bucket__ns(__u64 bytes, __u64 rate)
{
	return rate ? bytes * SEISMO_NSEC_PER_SEC / rate : 0;
}

/* bucket__refill - the empty time of a bucket `depth` bytes deep: no
 * earlier than now minus the time to fill it (a full bucket). */
static __always_inline __u64 bucket__refill(__u64 empty_at, __u64 now, __u64 depth_ns)
{
	__u64 full = now > depth_ns ? now - depth_ns : 0;

	return empty_at > full ? empty_at : full;
}

/* fault_bandwidth__police - 1 when the packet passes (and is charged), 0 to
 * drop it. Passes: the bucket is not in debt; the packet may take it into
 * debt (a GSO packet of 64 KiB against a smaller bucket), which later
 * packets pay for. Dropping only in debt loses fewer of TCP's 45-segment
 * GSO packets than "drop what does not fit" (measured: docs/faults.md). */
static __always_inline int fault_bandwidth__police(struct fault_bucket *b, const struct fault_cfg *cfg, __u64 now,
						   __u64 len)
{
	__u64 empty = bucket__refill(b->stamp_ns, now, bucket__ns(cfg->burst_bytes, cfg->rate_Bps));
	__u64 peak_empty = 0;

	if (empty > now)
		return 0;
	if (cfg->peak_Bps) {
		peak_empty = bucket__refill(b->peak_tokens, now, bucket__ns(cfg->minburst_bytes, cfg->peak_Bps));
		if (peak_empty > now)
			return 0;
		b->peak_tokens = peak_empty + bucket__ns(len, cfg->peak_Bps);
	}
	b->stamp_ns = empty + bucket__ns(len, cfg->rate_Bps);
	return 1;
}

/* fault_bandwidth__shape - the departure time of the packet, or 0 to drop
 * it (it would wait longer than limit_bytes take at the rate). Departure:
 * when the bucket has paid for the packet, as tbf sends it. */
static __always_inline __u64 fault_bandwidth__shape(struct fault_bucket *b, const struct fault_cfg *cfg, __u64 now,
						    __u64 len)
{
	__u64 empty = bucket__refill(b->stamp_ns, now, bucket__ns(cfg->burst_bytes, cfg->rate_Bps));
	__u64 t = empty + bucket__ns(len, cfg->rate_Bps);
	__u64 peak_t = 0;

	if (cfg->peak_Bps) {
		peak_t = bucket__refill(b->peak_tokens, now, bucket__ns(cfg->minburst_bytes, cfg->peak_Bps)) +
			 bucket__ns(len, cfg->peak_Bps);
		if (peak_t > t)
			t = peak_t;
	}
	if (t < now)
		t = now;
	if (t - now > bucket__ns(cfg->limit_bytes, cfg->rate_Bps))
		return 0;
	b->stamp_ns = empty + bucket__ns(len, cfg->rate_Bps);
	if (cfg->peak_Bps)
		b->peak_tokens = peak_t;
	return t;
}

static __always_inline void fault_bandwidth__count_wait(__u32 slot, __u64 wait)
{
	__u32 key = slot * SEISMO_HIST_SLOTS + hist__slot(wait);
	__u64 *cnt = bpf_map_lookup_elem(&fault_hist, &key);

	if (cnt)
		*cnt += 1;
}

/* fault_bandwidth__apply - charges the packet to the fault's bucket for this
 * direction. Police: drop what does not fit. Shape: ask for a departure
 * (ctx->depart, the latest of the shaping faults'; fault__finish_delay
 * stamps it, delays add after it), drop beyond the limit. */
static __always_inline int fault_bandwidth__apply(struct __sk_buff *skb, struct fault_ctx *ctx, const struct fault_cfg *cfg, __u32 slot,
						  struct fault_stats *stats)
{
	__u32 key = slot * 2 + (cfg_peer_is_src ? 1 : 0);
	struct fault_bucket *b = bpf_map_lookup_elem(&fault_buckets, &key);
	__u64 len = skb->len, now = ctx->now, t = 0;
	int fits;

	if (!b) {
		stats->passed += 1; /* cannot happen: an array map of SLOTS * 2 */
		return 0;
	}
	bpf_spin_lock(&b->lock);
	if (b->generation != cfg->generation) {
		/* a new fault in this slot: a full bucket */
		b->generation = cfg->generation;
		b->stamp_ns = 0;
		b->peak_tokens = 0;
		b->tokens = 0;
	}
	if (cfg->flags & SEISMO_FAULT_F_SHAPE) {
		t = fault_bandwidth__shape(b, cfg, now, len);
		fits = t != 0;
	} else {
		fits = fault_bandwidth__police(b, cfg, now, len);
	}
	bpf_spin_unlock(&b->lock);

	if (!fits) {
		stats->dropped += 1;
		return SEISMO_FAULT_DROP;
	}
	if (t > now) {
		stats->delayed += 1;
		stats->delay_ns += t - now;
		fault_bandwidth__count_wait(slot, t - now);
		if (t > ctx->depart)
			ctx->depart = t;
	} else {
		stats->passed += 1;
	}
	return 0;
}
