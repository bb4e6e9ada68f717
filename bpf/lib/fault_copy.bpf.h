/* Faults that act on the packet's bytes (issue 15): duplicate (a copy is
 * sent too) and corrupt (payload bits flipped so the receiver's checksum
 * rejects the packet, as after a real wire). Both pick packets with the
 * Gilbert chain of cfg->loss_enter / loss_leave (fault_model__lose). */
#pragma once

/* fault_duplicate__apply - not implemented yet: userspace refuses the kind
 * until it is, so this only passes the packet. */
static __always_inline int fault_duplicate__apply(struct fault_ctx *ctx, const struct fault_cfg *cfg,
						  struct fault_state *st, struct fault_stats *stats)
{
	stats->passed += 1;
	return 0;
}

/* fault_corrupt__apply - not implemented yet (as above). */
static __always_inline int fault_corrupt__apply(struct fault_ctx *ctx, const struct fault_cfg *cfg,
						struct fault_state *st, struct fault_stats *stats)
{
	stats->passed += 1;
	return 0;
}
