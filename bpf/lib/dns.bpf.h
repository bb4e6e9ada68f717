/* DNS message helpers: pure functions over bytes already copied out of a
 * packet (the caller bounds every index), and where the message starts in
 * a cgroup_skb packet (data at the IP header). No maps. */
#pragma once

/* The fixed DNS header (RFC 1035 4.1.1), network order. */
struct dns__header {
	__u16 id;
	__u16 flags; /* QR(1) OPCODE(4) AA TC RD RA Z AD CD RCODE(4) */
	__u16 qdcount;
	__u16 ancount;
	__u16 nscount;
	__u16 arcount;
};

#define DNS__HEADER_LEN (12)
/* Scratch large enough for a maximal question: name + qtype + qclass. */
#define DNS__QUESTION_MAX (SEISMO_DNS_NAME_MAX + 4)
#define DNS__SCRATCH (512) /* power of two: indexes are masked with it */

/* dns__qtype_bucket - the metric's qtype bucket for a raw qtype. */
static __always_inline __u8 dns__qtype_bucket(__u16 qtype)
{
	switch (qtype) {
	case 1: return SEISMO_DNS_QTYPE_A;
	case 28: return SEISMO_DNS_QTYPE_AAAA;
	case 5: return SEISMO_DNS_QTYPE_CNAME;
	case 12: return SEISMO_DNS_QTYPE_PTR;
	case 15: return SEISMO_DNS_QTYPE_MX;
	case 16: return SEISMO_DNS_QTYPE_TXT;
	case 33: return SEISMO_DNS_QTYPE_SRV;
	case 2: return SEISMO_DNS_QTYPE_NS;
	case 6: return SEISMO_DNS_QTYPE_SOA;
	case 65: return SEISMO_DNS_QTYPE_HTTPS;
	case 64: return SEISMO_DNS_QTYPE_SVCB;
	case 255: return SEISMO_DNS_QTYPE_ANY;
	default: return SEISMO_DNS_QTYPE_OTHER;
	}
}

/* dns__rcode_bucket - the metric's rcode bucket for a raw rcode. */
static __always_inline __u8 dns__rcode_bucket(__u8 rcode)
{
	return rcode <= 5 ? rcode : SEISMO_DNS_RCODE_OTHER;
}

/* dns__name_len - wire length of the question name at the start of buf
 * (terminating zero included), or 0 when it is malformed: a label runs past
 * the `avail` bytes copied, a compression pointer or reserved label type
 * (top bits set: a question's name is never compressed in a query, and
 * we refuse to follow one in a response), or longer than 255 octets.
 * 128 iterations cover the longest legal name (one-byte labels: 127). */
static __always_inline __u32 dns__name_len(const __u8 *buf, __u32 avail)
{
	__u32 pos = 0;

	for (int i = 0; i < 128; i++) {
		__u8 len;

		if (pos >= avail || pos >= SEISMO_DNS_NAME_MAX)
			return 0;
		len = buf[pos & (DNS__SCRATCH - 1)];
		if (len == 0)
			return pos + 1;
		if (len > SEISMO_DNS_LABEL_MAX)
			return 0;
		pos += len + 1;
	}
	return 0;
}

/* dns__message - offset and end of the DNS message in the packet: after
 * the UDP header, or after the TCP header and the 2-byte length prefix of
 * the segment's first message. 0: no message here (a TCP segment without
 * payload); -1: malformed. */
static __always_inline int dns__message(struct __sk_buff *skb, __u32 l3, __u32 proto, __u32 *off,
					__u32 *end)
{
	__u8 doff;
	__be16 msg_len;

	*end = skb->len;
	if (proto == IPPROTO_UDP) {
		*off = l3 + 8;
		return 1;
	}
	if (bpf_skb_load_bytes(skb, l3 + 12, &doff, 1))
		return -1;
	*off = l3 + (doff >> 4) * 4;
	if (*off >= *end)
		return 0; /* handshake, ACK, FIN */
	if (*end - *off < 2 || bpf_skb_load_bytes(skb, *off, &msg_len, 2))
		return -1;
	*off += 2;
	if (*off + bpf_ntohs(msg_len) < *end)
		*end = *off + bpf_ntohs(msg_len);
	return 1;
}
