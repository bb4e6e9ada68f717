// SPDX-License-Identifier: GPL-2.0
/* Test fixture: a tc program that drops every packet (the signals tests
 * install it in their own network namespace to cause TCP retransmits;
 * this kernel has neither netem nor the gact action). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int sigtest_drop(struct __sk_buff *skb)
{
	return 2; /* TC_ACT_SHOT */
}

char LICENSE[] SEC("license") = "GPL";
