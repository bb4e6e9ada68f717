/* Log2 histogram helpers. */
#pragma once

/* hist__log2 - floor(log2(v)) for v > 0, 0 for v == 0; branch-light. */
static __always_inline __u32 hist__log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* hist__slot - histogram slot for a value, clamped to the last slot. */
static __always_inline __u32 hist__slot(__u64 v)
{
	__u32 slot = hist__log2(v);

	return slot < SEISMO_HIST_SLOTS ? slot : SEISMO_HIST_SLOTS - 1;
}
