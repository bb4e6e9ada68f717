#pragma once

#include <linux/bpf.h>

namespace seismo::doctor {

// 0 when a trivial program of this type attaches to the BTF-named target,
// else the errno (ENOENT: target not in BTF; EPERM: forbidden here).
int probe_btf_attach(bpf_prog_type prog_type, bpf_attach_type attach_type, const char* btf_name, int btf_kind);

// 0 when a kprobe BPF program attaches to `function`, else the errno.
int probe_kprobe_attach(const char* function);

}  // namespace seismo::doctor
