// SPDX-License-Identifier: GPL-2.0
/* Producer for bench/ringbuf_throughput: on each getppid() of the bench's
 * producer thread, reserve and submit `batch` records shaped exactly like
 * tcp.bpf.c's (struct tcp_event, 64 B) into a ring buffer sized like the
 * tcp probe's. Reserve failures are counted like the probes count them. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "seismo/tcp.h"

#define BENCH_NR_GETPPID (110) /* x86_64 */
#define BENCH_MAX_BATCH (256)

const volatile __u32 cfg_tid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024); /* userspace sets the tcp probe's size */
} bench_events SEC(".maps");

/* [0] records per trigger (set by userspace), [1] submitted, [2] lost. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} bench_ctl SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(bench_rb_emit, struct pt_regs *regs, long id)
{
	__u32 k_batch = 0, k_sent = 1, k_lost = 2;
	__u64 *batch, *sent, *lost, n = 0, dropped = 0;
	struct tcp_event *ev;

	if (id != BENCH_NR_GETPPID || (__u32)bpf_get_current_pid_tgid() != cfg_tid)
		return 0;
	batch = bpf_map_lookup_elem(&bench_ctl, &k_batch);
	sent = bpf_map_lookup_elem(&bench_ctl, &k_sent);
	lost = bpf_map_lookup_elem(&bench_ctl, &k_lost);
	if (!batch || !sent || !lost)
		return 0;
	for (int i = 0; i < BENCH_MAX_BATCH; i++) {
		if (i >= *batch)
			break;
		ev = bpf_ringbuf_reserve(&bench_events, sizeof(*ev), 0);
		if (!ev) {
			dropped++;
			continue;
		}
		__builtin_memset(ev, 0, sizeof(*ev));
		ev->hdr.version = SEISMO_EVENT_VERSION;
		ev->hdr.kind = SEISMO_EVENT_TCP_RETRANSMIT;
		ev->hdr.size = sizeof(*ev);
		ev->family = 2;
		ev->ts_ns = bpf_ktime_get_ns();
		bpf_ringbuf_submit(ev, 0);
		n++;
	}
	/* One thread produces: plain adds are exact. */
	*sent += n;
	*lost += dropped;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
