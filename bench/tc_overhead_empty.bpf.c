// SPDX-License-Identifier: GPL-2.0
/* Baseline for bench/tc_overhead: a tc program that does nothing, so the
 * hook's own cost (and BPF_ENABLE_STATS' accounting) can be told apart
 * from seismo's work. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_empty(struct __sk_buff *skb)
{
	return -1; /* TC_ACT_UNSPEC, as seismo's program returns on pass */
}

char LICENSE[] SEC("license") = "GPL";
