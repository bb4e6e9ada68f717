/* What one tcp:tcp_retransmit_skb hit means, read the way the kernel's
 * TcpRetransSegs counts it (shared by the TCP probe and, for guards, the
 * chaos object).
 *
 * Older kernels (6.1, 6.12) fire the tracepoint only for a retransmission
 * that was sent, with (sk, skb). Newer ones (6.18 here) fire it for every
 * attempt and add the attempt's error as a third argument: an attempt that
 * failed (-EBUSY while the previous copy still sits in a queue, -ENOMEM …)
 * sent nothing, and TcpRetransSegs does not count it. Userspace tells the
 * program which prototype the kernel has (cfg_retrans_err_arg, from the
 * tracepoint's BTF), so the third argument is read only where it exists:
 * the verifier prunes the branch on the frozen constant.
 *
 * Segments: TcpRetransSegs adds tcp_skb_pcount(skb), the segments of the
 * (possibly GSO) skb as sent: TCP_SKB_CB(skb)->tcp_gso_segs, a u16 at byte
 * 8 of skb->cb (after seq and end_seq; the layout has not changed since
 * tcp_gso_segs moved there in 3.18). struct tcp_skb_cb is not in the
 * kernel's BTF (only ever cast from cb), so the offset is fixed here. */
#pragma once

#define SEISMO_TCP_SKB_CB_GSO_SEGS_OFF (8)

/* tcp_retrans__segments - the segments a retransmit hit sent: 0 when the
 * attempt failed (ctx[2] != 0 on kernels that pass it), else the skb's
 * segment count (at least 1). ctx is the tracepoint's argument array. */
static __always_inline __u32 tcp_retrans__segments(const __u64 *ctx, __u32 err_arg)
{
	const struct sk_buff *skb = (const struct sk_buff *)ctx[1];
	__u16 segs = 0;

	if (err_arg && (int)ctx[2] != 0)
		return 0;
	if (skb)
		bpf_probe_read_kernel(&segs, sizeof(segs),
				      (const void *)skb + bpf_core_field_offset(struct sk_buff, cb) +
					      SEISMO_TCP_SKB_CB_GSO_SEGS_OFF);
	return segs ? segs : 1;
}
