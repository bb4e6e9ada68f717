/* The random models behind faults: Gilbert loss bursts and correlated
 * jitter. State is per CPU (no atomics on the packet path): a flow served by
 * one CPU sees exactly the model; traffic spread over CPUs sees one chain
 * per CPU, each with the same statistics. */
#pragma once

/* fault_model__sync - discards state left by a previous user of the slot. */
static __always_inline void fault_model__sync(struct fault_state *st, const struct fault_cfg *cfg)
{
	if (st->generation == cfg->generation)
		return;
	st->generation = cfg->generation;
	st->bad = 0;
	st->jitter = SEISMO_CORR_ONE / 2;
	st->reorder_bad = 0;
	st->reorder_count = 0;
}

/* fault_model__lose - one step of the two-state Gilbert chain: move between
 * good and bad with P(enter) / P(leave), then lose the packet in bad. The
 * stationary loss is enter / (enter + leave); mean burst 1 / leave. */
static __always_inline int fault_model__lose(struct fault_state *st, const struct fault_cfg *cfg)
{
	__u64 r = bpf_get_prandom_u32();

	if (st->bad) {
		if (r < cfg->loss_leave)
			st->bad = 0;
	} else {
		if (r < cfg->loss_enter)
			st->bad = 1;
	}
	return st->bad;
}

/* fault_model__delay - latency + jitter: a uniform draw over
 * [latency - jitter, latency + jitter], smoothed with the previous draw by
 * the correlation (y = c*y' + (1-c)*x, netem's scheme). Unsigned fixed point:
 * y in [0, 2^16] maps to [-jitter, +jitter]. */
static __always_inline __u64 fault_model__delay(struct fault_state *st, const struct fault_cfg *cfg)
{
	__u64 x, y;

	if (!cfg->jitter_ns)
		return cfg->latency_ns;
	x = bpf_get_prandom_u32() % (SEISMO_CORR_ONE + 1);
	y = ((__u64)cfg->jitter_corr * st->jitter + (__u64)(SEISMO_CORR_ONE - cfg->jitter_corr) * x) >> 16;
	st->jitter = (__u32)y;
	return cfg->latency_ns - cfg->jitter_ns + ((2 * cfg->jitter_ns * y) >> 16);
}

/* fault_model__reorder - netem's reorder (netem_enqueue): after
 * reorder_gap - 1 delayed packets, the next one is picked by a Gilbert chain
 * (reorder_enter / reorder_leave, the chain loss uses) to leave at once; the
 * count starts over after a pick. The chain steps only once the gap is
 * reached, as netem draws only then. Returns 1 for a packet sent at once. */
static __always_inline int fault_model__reorder(struct fault_state *st, const struct fault_cfg *cfg)
{
	__u64 r;

	if (!cfg->reorder_gap)
		return 0;
	if (st->reorder_count + 1 < cfg->reorder_gap) {
		st->reorder_count += 1;
		return 0;
	}
	r = bpf_get_prandom_u32();
	if (st->reorder_bad) {
		if (r < cfg->reorder_leave)
			st->reorder_bad = 0;
	} else {
		if (r < cfg->reorder_enter)
			st->reorder_bad = 1;
	}
	if (st->reorder_bad) {
		st->reorder_count = 0;
		return 1;
	}
	/* saturates at the gap: past it every packet is a candidate */
	if (st->reorder_count < cfg->reorder_gap)
		st->reorder_count += 1;
	return 0;
}
