// SPDX-License-Identifier: GPL-2.0
/* Baseline for bench/net_overhead: cgroup_skb programs that only pass the
 * packet, so the hook's own cost is measured apart from the net probe's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/ingress")
int bench_cgskb_in(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int bench_cgskb_eg(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
