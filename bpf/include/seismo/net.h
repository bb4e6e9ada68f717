/* Shared between bpf/net.bpf.c and userspace/probes/net.cpp. */
#ifndef SEISMO_NET_H
#define SEISMO_NET_H

#include "seismo/common.h"

/* Per-CPU value keyed by the socket's cgroup v2 id (__u64); userspace sums
 * the CPUs. Bytes are IP-layer bytes (IP header + transport header +
 * payload); a GSO/GRO super-packet counts as its segments, with the
 * per-segment headers segmentation adds. */
struct net_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
};

#endif
