// Attach-level feature probes: a program type can exist while attaching it
// is forbidden (this is how kprobes, fentry and BPF LSM fail on some hosts),
// so these load a two-instruction program and really attach it, then free
// everything at once.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <string>

#include "common/unique_fd.h"
#include "doctor/attach_probe.h"

namespace seismo::doctor {
namespace {

const bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = 0
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},           // exit
};

int find_btf_id(const char* name, int kind) {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return -ENOENT;
  int id = btf__find_by_name_kind(vmlinux, name, static_cast<__u32>(kind));
  btf__free(vmlinux);
  return id;
}

}  // namespace

int probe_btf_attach(bpf_prog_type prog_type, bpf_attach_type attach_type, const char* btf_name, int btf_kind) {
  int id = find_btf_id(btf_name, btf_kind);
  if (id < 0) return ENOENT;
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type, .attach_btf_id = static_cast<__u32>(id));
  UniqueFd prog(bpf_prog_load(prog_type, "seismo_probe", "GPL", kReturnZero, 2, &opts));
  if (!prog) return errno;
  UniqueFd link(attach_type == BPF_TRACE_RAW_TP ? bpf_raw_tracepoint_open(nullptr, prog.get())
                                                 : bpf_link_create(prog.get(), 0, attach_type, nullptr));
  return link ? 0 : errno;
}

int probe_kprobe_attach(const char* function) {
  std::ifstream type_file("/sys/bus/event_source/devices/kprobe/type");
  int pmu_type = -1;
  if (!(type_file >> pmu_type)) return ENOENT;
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_KPROBE, "seismo_probe", "GPL", kReturnZero, 2, nullptr));
  if (!prog) return errno;
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = static_cast<__u32>(pmu_type);
  attr.config1 = reinterpret_cast<uintptr_t>(function);
  UniqueFd pe(static_cast<int>(::syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
  if (!pe) return errno;
  UniqueFd link(bpf_link_create(prog.get(), pe.get(), BPF_PERF_EVENT, nullptr));
  return link ? 0 : errno;
}

}  // namespace seismo::doctor
