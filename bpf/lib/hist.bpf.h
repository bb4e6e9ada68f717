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

/* hist__slot - histogram slot for a value, clamped to the last slot.
 * clang computes the log2 in 32-bit subregisters and the 6.1 verifier then
 * loses the index's bound ("math between map_value pointer and register with
 * unbounded min value"), found by the VM tier. */
static __always_inline __u64 hist__slot(__u64 v)
{
	__u64 slot = hist__log2(v);

	slot = slot < SEISMO_HIST_SLOTS ? slot : SEISMO_HIST_SLOTS - 1;
	/* Opaque to clang, so the mask below stays a 64-bit AND the verifier
	 * can bound, whatever 32-bit arithmetic produced slot. */
	asm volatile("" : "+r"(slot));
	return slot & (SEISMO_HIST_SLOTS - 1);
}
