/* Guards (docs/faults.md, Guards and Mechanism): counts per guarded fault,
 * compared with the fault's budgets where they are counted. The tc path
 * counts what the fault did (dropped, delayed); small tracing programs count
 * what its targets' TCP did (retransmits, resets, failed connects). Passing
 * a budget sets aborted_ns once; fault__live() skips an aborted fault from
 * then on. Uses fault_cfg, fault_guards and fault_guard_owners of
 * chaos.bpf.c. */
#pragma once

/* guard__roll - with a window, moves the fixed window on when `now` is past
 * it (the current counts become the previous window's, or zero after a
 * whole empty window) and returns how far into the current window `now`
 * is; 0 without a window. Racing CPUs may lose a few counts made during the
 * roll (an estimate either way). */
static __always_inline __u64 guard__roll(struct fault_guard *g, __u64 now)
{
	__u64 window = g->window_ns, start = g->window_start_ns, elapsed;

	if (!window)
		return 0;
	if (now < start)
		now = start;
	elapsed = now - start;
	if (elapsed < window)
		return elapsed;
	__u64 next = start + (elapsed / window) * window;

	if (__sync_val_compare_and_swap(&g->window_start_ns, start, next) == start) {
		for (int k = 0; k < SEISMO_GUARD_KINDS; k++) {
			g->prev[k] = elapsed >= 2 * window ? 0 : g->count[k];
			g->count[k] = 0;
		}
	}
	return now - next;
}

/* guard__add - adds n to count `kind` and aborts the fault when the count
 * passes that kind's budget: over the lifetime, or with a window the
 * sliding estimate prev * (1 - elapsed / window) + current of two fixed
 * windows. The window rolls over before the add, so the event that rolls it
 * counts in the new window (rolled after, it was zeroed with the old one:
 * after a quiet spell of two windows a burst of budget + 1 did not abort). */
static __always_inline void guard__add(struct fault_guard *g, __u32 kind, __u64 n, __u64 now)
{
	__u64 budget, count, window, elapsed;

	if (kind >= SEISMO_GUARD_KINDS)
		return;
	elapsed = guard__roll(g, now);
	__sync_fetch_and_add(&g->count[kind], n);
	budget = g->budget[kind];
	if (!budget || g->aborted_ns)
		return;
	count = g->count[kind];
	window = g->window_ns;
	if (window && elapsed < window)
		count += g->prev[kind] * (window - elapsed) / window;
	if (count <= budget)
		return;
	if (__sync_val_compare_and_swap(&g->aborted_ns, 0, now) == 0) {
		g->abort_kind = kind;
		g->abort_count = count;
	}
}

/* guard__of - the guard of the fault in `slot` when that fault is live,
 * guarded and the guard belongs to it (same generation); NULL otherwise. */
static __always_inline struct fault_guard *guard__of(const struct fault_cfg *cfg, __u32 slot)
{
	struct fault_guard *g;

	if (!(cfg->flags & SEISMO_FAULT_F_GUARD))
		return 0;
	g = bpf_map_lookup_elem(&fault_guards, &slot);
	if (!g || g->generation != cfg->generation)
		return 0;
	return g;
}

/* guard__count_owner - counts a TCP event for every guarded fault the
 * owner (a netns or a cgroup) lists. */
static __always_inline void guard__count_owner(__u32 kind, __u32 kind2, __u64 n, __u32 owner_kind, __u64 id,
						__u64 *now)
{
	struct fault_guard_owner_key key = { .kind = owner_kind, .id = id };
	struct fault_guard_owner *owner = bpf_map_lookup_elem(&fault_guard_owners, &key);

	if (!owner)
		return;
	for (int i = 0; i < SEISMO_FAULTS_PER_ATTACH; i++) {
		struct fault_guard *g;
		struct fault_cfg *cfg;
		__u32 slot;

		if (i >= owner->count)
			break;
		slot = owner->slots[i];
		cfg = bpf_map_lookup_elem(&fault_cfg, &slot);
		if (!cfg || !cfg->expires_ns)
			continue;
		g = guard__of(cfg, slot);
		if (!g)
			continue;
		if (!*now)
			*now = bpf_ktime_get_ns();
		if (*now >= cfg->expires_ns)
			continue;
		guard__add(g, kind, n, *now);
		if (kind2 < SEISMO_GUARD_KINDS)
			guard__add(g, kind2, n, *now);
	}
}

/* guard__sock_cgroup - the cgroup v2 a full socket belongs to (5.15+
 * layout; older kernels give NULL: by-socket guards count nothing there). */
static __always_inline struct cgroup *guard__sock_cgroup(const struct sock *sk)
{
	__u8 state;

	if (!sk || !bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_TIME_WAIT)
		return 0;
	if (state == TCP_NEW_SYN_RECV)
		sk = BPF_CORE_READ(sk, __sk_common.skc_listener);
	if (!sk)
		return 0;
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
}

/* guard__tcp_event - attributes a TCP event to its socket's netns (or, with
 * no socket, the netns of the device the segment came in on) and to its
 * cgroup and that cgroup's ancestors, and counts it for the guarded faults
 * they own, n at a time (segments, for retransmits). kind2 is a second
 * count (resets: sent or received, and the total), SEISMO_GUARD_KINDS for
 * none. */
static __always_inline void guard__tcp_event(const struct sock *sk, const struct sk_buff *skb, __u32 kind, __u32 kind2,
					     __u64 n)
{
	struct cgroup *cg = guard__sock_cgroup(sk);
	__u64 now = 0;
	__u32 inum;

	if (sk)
		inum = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	else if (skb)
		inum = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	else
		inum = 0;
	if (inum)
		guard__count_owner(kind, kind2, n, SEISMO_GUARD_OWNER_NETNS, inum, &now);
	for (int level = 0; level < SEISMO_GUARD_CGROUP_DEPTH && cg; level++) {
		guard__count_owner(kind, kind2, n, SEISMO_GUARD_OWNER_CGROUP, BPF_CORE_READ(cg, kn, id), &now);
		/* cgroup.self is the first member: its parent css is the parent cgroup. */
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
}
