// SPDX-License-Identifier: GPL-2.0
/* Test fixture: a tc program that drops every packet, or every Nth (the
 * signals tests install it in their own network namespace to cause TCP
 * retransmits; this kernel has neither netem nor the gact action). At
 * egress it drops silently (TC_ACT_STOLEN: the sender's stack believes the
 * packet left, as on a lossy wire). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 cfg_every = 1;   /* drop one packet in this many */
const volatile __u32 cfg_verdict = 2; /* TC_ACT_SHOT, or TC_ACT_STOLEN (4) at egress */

__u64 seen = 0;

SEC("tc")
int sigtest_drop(struct __sk_buff *skb)
{
	__u64 n = __sync_fetch_and_add(&seen, 1) + 1;

	if (cfg_every > 1 && n % cfg_every != 0)
		return -1; /* TC_ACT_UNSPEC: pass */
	return cfg_verdict;
}

char LICENSE[] SEC("license") = "GPL";
