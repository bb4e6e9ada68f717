/* Socket helpers: attribution of socket events to the owner's cgroup.
 * TCP work runs in softirq and timers where `current` is whoever was
 * interrupted, so the socket's own cgroup is the only right answer. */
#pragma once

/* 5.8-5.14 kept the cgroup pointer in a tagged u64: bit 0 set means the
 * word holds net_cls/net_prio data and the cgroup v2 pointer was dropped
 * (the socket counts under the root). 8520e224f547 ("bpf, cgroups: Fix
 * cgroup v2 fallback on v1/v2 mixed mode", 5.15) made it a plain pointer. */
struct sock_cgroup_data___pre515 {
	__u64 val;
} __attribute__((preserve_access_index));

struct sock___pre515 {
	struct sock_cgroup_data___pre515 sk_cgrp_data;
} __attribute__((preserve_access_index));

/* sock__cgroup_id - cgroup v2 id of a full socket's owner (the cgroup of the
 * task that created it, or of the listener for an accepted socket); root_id
 * when the kernel kept none. */
static __always_inline __u64 sock__cgroup_id(const struct sock *sk, __u64 root_id)
{
	struct cgroup *cg;

	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup)) {
		cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	} else {
		__u64 v = BPF_CORE_READ((const struct sock___pre515 *)sk, sk_cgrp_data.val);

		cg = (v & 1) ? 0 : (struct cgroup *)v;
	}
	if (!cg)
		return root_id;
	return BPF_CORE_READ(cg, kn, id);
}

/* sock__tcp_owner_cgroup - like sock__cgroup_id for any TCP socket the stack
 * hands to a tracepoint: request sockets (NEW_SYN_RECV) count under their
 * listener; TIME_WAIT sockets and "no socket" (a reset answering a packet
 * to a closed port) have no owner and count under root_id. Minisockets are
 * smaller than struct sock: reading sk_cgrp_data from them would read past
 * their end. */
static __always_inline __u64 sock__tcp_owner_cgroup(const struct sock *sk, __u64 root_id)
{
	const struct sock *listener;
	__u8 state;

	if (!sk)
		return root_id;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_TIME_WAIT)
		return root_id;
	if (state == TCP_NEW_SYN_RECV) {
		/* rsk_listener is sock_common's skc_listener */
		listener = BPF_CORE_READ(sk, __sk_common.skc_listener);
		return listener ? sock__cgroup_id(listener, root_id) : root_id;
	}
	return sock__cgroup_id(sk, root_id);
}
