/* Shared between the DNS part of bpf/net.bpf.c and userspace/probes/dns*.cpp. */
#ifndef SEISMO_DNS_H
#define SEISMO_DNS_H

#include "seismo/common.h"

/* A DNS query name on the wire is at most 255 octets (RFC 1035 2.3.4),
 * labels at most 63. */
#define SEISMO_DNS_NAME_MAX (255)
#define SEISMO_DNS_LABEL_MAX (63)

/* rcode buckets (the metric's rcode label): the raw rcode for 0..5, one
 * bucket for everything else. */
#define SEISMO_DNS_RCODE_OTHER (6)
#define SEISMO_DNS_RCODE_BUCKETS (7)

/* qtype buckets (the metric's qtype label), in this order. */
#define SEISMO_DNS_QTYPE_A (0)
#define SEISMO_DNS_QTYPE_AAAA (1)
#define SEISMO_DNS_QTYPE_CNAME (2)
#define SEISMO_DNS_QTYPE_PTR (3)
#define SEISMO_DNS_QTYPE_MX (4)
#define SEISMO_DNS_QTYPE_TXT (5)
#define SEISMO_DNS_QTYPE_SRV (6)
#define SEISMO_DNS_QTYPE_NS (7)
#define SEISMO_DNS_QTYPE_SOA (8)
#define SEISMO_DNS_QTYPE_HTTPS (9)
#define SEISMO_DNS_QTYPE_SVCB (10)
#define SEISMO_DNS_QTYPE_ANY (11)
#define SEISMO_DNS_QTYPE_OTHER (12)
#define SEISMO_DNS_QTYPE_BUCKETS (13)

/* dns_counts key kinds */
#define SEISMO_DNS_COUNT_REQUEST (0)   /* a: rcode bucket, b: qtype bucket */
#define SEISMO_DNS_COUNT_MALFORMED (1) /* a: SEISMO_DNS_DIR_* */

#define SEISMO_DNS_DIR_INGRESS (0)
#define SEISMO_DNS_DIR_EGRESS (1)

/* Key of the per-CPU dns_counts hash; the value is a __u64 count. */
struct dns_count_key {
	__u64 cgroup_id;
	__u8 kind;
	__u8 a;
	__u8 b;
	__u8 pad[5];
};

/* Value of the dns_latency hash (one per cgroup): matched requests, their
 * latency sum and log2 histogram in ns (SEISMO_HIST_SLOTS). */
struct dns_latency {
	__u64 count;
	__u64 sum_ns;
	__u64 hist[SEISMO_HIST_SLOTS];
};

/* One record per answered query (a response matched to its query by
 * socket, server address and port, transport and DNS id). */
struct dns_event {
	struct seismo_event_header hdr; /* kind: SEISMO_EVENT_DNS */
	__u64 cgroup_id;                /* the querying socket's cgroup v2 id */
	__u64 ts_ns;                    /* when the response arrived */
	__u64 latency_ns;               /* query left -> response arrived */
	__u8 server[16];                /* IPv4 in the first 4 bytes, or IPv6 */
	__u16 server_port;              /* host order */
	__u16 id;                       /* DNS id */
	__u16 qtype;                    /* raw qtype */
	__u16 name_len;                 /* wire-format bytes in name, 1..255 */
	__u8 family;                    /* 4 or 6 */
	__u8 proto;                     /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 rcode;                     /* raw header rcode, 0..15 */
	__u8 pad[5];
	__u8 name[SEISMO_DNS_NAME_MAX + 1]; /* the question name, wire format */
};

#endif
