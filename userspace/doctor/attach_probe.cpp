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

#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>

#include "common/unique_fd.h"
#include "doctor/attach_probe.h"

namespace seismo::doctor {
namespace {

const bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = 0
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},           // exit
};
// cgroup_skb verdict 1 = pass: the probe attachment never drops a packet.
const bpf_insn kReturnOne[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1},  // r0 = 1
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

int probe_raw_tp_attach(const char* tracepoint) {
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "seismo_probe", "GPL", kReturnZero, 2, nullptr));
  if (!prog) return errno;
  UniqueFd link(bpf_raw_tracepoint_open(tracepoint, prog.get()));
  return link ? 0 : errno;
}

int probe_cgroup_skb_attach(const std::string& cgroup_path, bpf_attach_type attach_type) {
  UniqueFd cg(::open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cg) return errno;
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type);
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_CGROUP_SKB, "seismo_probe", "GPL", kReturnOne, 2, &opts));
  if (!prog) return errno;
  // A link, like the net probe's: allow-multi, detached when the fd closes.
  UniqueFd link(bpf_link_create(prog.get(), cg.get(), attach_type, nullptr));
  return link ? 0 : errno;
}

namespace {

using BtfPtr = std::unique_ptr<btf, void (*)(btf*)>;

const btf_type* skip_modifiers(const btf* b, const btf_type* t) {
  while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_typedef(t))) t = btf__type_by_id(b, t->type);
  return t;
}

// The tracepoint's prototype: typedef btf_trace_<name> → pointer →
// func_proto(void *ctx, args…); nullptr when the kernel has no such tracepoint.
const btf_type* tracepoint_proto(const btf* b, const std::string& tracepoint) {
  const std::string typedef_name = "btf_trace_" + tracepoint;
  int id = btf__find_by_name_kind(b, typedef_name.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return nullptr;
  const btf_type* t = skip_modifiers(b, btf__type_by_id(b, static_cast<__u32>(id)));
  if (t && btf_is_ptr(t)) t = btf__type_by_id(b, t->type);
  return t && btf_is_func_proto(t) && btf_vlen(t) >= 1 ? t : nullptr;
}

// Argument `index` (0 = the first after the context), modifiers skipped.
const btf_type* tracepoint_arg(const btf* b, const btf_type* proto, unsigned index) {
  if (!proto || btf_vlen(proto) < index + 2) return nullptr;
  return skip_modifiers(b, btf__type_by_id(b, btf_params(proto)[index + 1].type));
}

}  // namespace

int probe_atomic_fetch() {
  // *(u64 *)(fp - 8) = 0; r0 = 0; r2 = 1; r0 = cmpxchg(fp - 8, r0, r2); r0 = 0; exit
  const bpf_insn prog[] = {
      {BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 0},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 1},
      {BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_2, -8, BPF_CMPXCHG},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "seismo_probe", "GPL", prog, std::size(prog), nullptr));
  return fd ? 0 : errno;
}

namespace {

// One kernel feature a program needs, the release that brought it, and where
// `seismo doctor` lists it.
struct KernelNeed {
  const char* feature;
  const char* since;
  const char* doctor_area;
  bool (*present)();
};

bool has_atomic_fetch() { return probe_atomic_fetch() == 0; }

std::string first_missing(const char* who, std::initializer_list<KernelNeed> needs) {
  for (const auto& n : needs)
    if (!n.present())
      return std::string(who) + " need " + n.feature + " (Linux " + n.since + "+), which this kernel lacks (seismo doctor: " +
             n.doctor_area + ")";
  return "";
}

}  // namespace

bool has_task_storage() { return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) == 1; }
bool has_tc_set_tstamp() {
  return libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_set_tstamp, nullptr) == 1;
}
bool has_bpf_loop() { return libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_loop, nullptr) == 1; }

std::string fault_program_gap() {
  return first_missing("network faults", {{"BPF atomic fetch instructions", "5.12", "instructions", has_atomic_fetch},
                                          {"the bpf_skb_set_tstamp helper in tc programs", "5.18", "helpers",
                                           has_tc_set_tstamp}});
}

std::string syscalls_probe_gap() {
  return first_missing("syscall metrics", {{"task storage maps", "5.11", "map types", has_task_storage},
                                           {"BPF atomic fetch instructions", "5.12", "instructions", has_atomic_fetch},
                                           {"the bpf_loop helper", "5.17", "helpers", has_bpf_loop}});
}

std::string tracepoint_arg_struct(const std::string& tracepoint, unsigned index) {
  BtfPtr vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return "";
  const btf_type* arg = tracepoint_arg(vmlinux.get(), tracepoint_proto(vmlinux.get(), tracepoint), index);
  if (!arg || !btf_is_ptr(arg)) return "";
  const btf_type* pointee = skip_modifiers(vmlinux.get(), btf__type_by_id(vmlinux.get(), arg->type));
  if (!pointee || !btf_is_struct(pointee)) return "";
  const char* name = btf__name_by_offset(vmlinux.get(), pointee->name_off);
  return name ? name : "";
}

bool tracepoint_arg_is_int(const std::string& tracepoint, unsigned index) {
  BtfPtr vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return false;
  const btf_type* arg = tracepoint_arg(vmlinux.get(), tracepoint_proto(vmlinux.get(), tracepoint), index);
  if (!arg || !btf_is_int(arg)) return false;
  const char* name = btf__name_by_offset(vmlinux.get(), arg->name_off);
  return name && std::string(name) == "int";
}

}  // namespace seismo::doctor
