#pragma once

#include <linux/bpf.h>

#include <string>

namespace seismo::doctor {

// 0 when a trivial program of this type attaches to the BTF-named target,
// else the errno (ENOENT: target not in BTF; EPERM: forbidden here).
int probe_btf_attach(bpf_prog_type prog_type, bpf_attach_type attach_type, const char* btf_name, int btf_kind);

// 0 when a kprobe BPF program attaches to `function`, else the errno.
int probe_kprobe_attach(const char* function);

// 0 when a raw_tp program attaches to `tracepoint` ("sched_switch"), else the errno.
int probe_raw_tp_attach(const char* tracepoint);

// 0 when a pass-all cgroup_skb program attaches to the cgroup directory as
// a BPF link (allow-multi, as the net probe attaches), else the errno
// (EPERM: an exclusive program holds that cgroup). Detached at once.
int probe_cgroup_skb_attach(const std::string& cgroup_path, bpf_attach_type attach_type);

// 0 when the kernel accepts BPF's atomic fetch instructions (BPF_CMPXCHG,
// Linux 5.12+) in a tc program, else the errno. The fault program's state and
// guards use them (compare-and-swap, fetch-and-add), so it cannot load without.
int probe_atomic_fetch();

// Kernel features the gaps below and doctor's findings check, each probed once
// per call: task storage maps (5.11), bpf_skb_set_tstamp in tc programs
// (5.18), bpf_loop (5.17).
bool has_task_storage();
bool has_tc_set_tstamp();
bool has_bpf_loop();

// Why the fault program cannot load on this kernel ("" when nothing known is
// missing), in words a user can act on: the first missing of atomic fetch
// instructions (5.12) and bpf_skb_set_tstamp in tc programs (5.18).
std::string fault_program_gap();

// The same for the syscalls probe: task storage (5.11), atomic fetch
// instructions (5.12), bpf_loop (5.17, forgetting a removed cgroup's rows).
std::string syscalls_probe_gap();

// Name of the struct that tracepoint argument `index` (0 = the first after
// the context) points to, from the kernel's BTF; "" when the tracepoint is
// missing or that argument is not a struct pointer.
std::string tracepoint_arg_struct(const std::string& tracepoint, unsigned index);

// Whether tracepoint argument `index` is a plain `int` in the kernel's BTF
// (false when the tracepoint or the argument is missing): e.g. the error
// that newer kernels pass tcp_retransmit_skb as its third argument.
bool tracepoint_arg_is_int(const std::string& tracepoint, unsigned index);

}  // namespace seismo::doctor
