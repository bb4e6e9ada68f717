/* Bandwidth faults (issue 15): a token bucket per fault and direction in
 * fault_buckets, shared by all CPUs. Police: a packet beyond the bucket is
 * dropped. Shape (SEISMO_FAULT_F_SHAPE): the packet's departure is pushed out
 * so the fault's traffic leaves at the rate (EDT; fq releases it), dropped
 * beyond limit_bytes of queue. */
#pragma once

/* fault_bandwidth__apply - not implemented yet: userspace refuses the kind
 * until it is, so this only passes the packet. */
static __always_inline int fault_bandwidth__apply(struct fault_ctx *ctx, const struct fault_cfg *cfg, __u32 slot,
						  struct fault_stats *stats)
{
	stats->passed += 1;
	return 0;
}
