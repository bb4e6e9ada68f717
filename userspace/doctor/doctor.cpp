#include "doctor/doctor.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "cgroup/mountinfo.h"
#include "doctor/attach_probe.h"

namespace seismo::doctor {
namespace {

std::string errno_text(int e) { return e == 0 ? "ok" : std::strerror(e); }

Finding make(std::string area, std::string name, bool ok, std::string detail, std::string fix, std::string needed_for,
             Verdict bad = Verdict::fail) {
  return Finding{std::move(area), std::move(name), ok ? Verdict::ok : bad, std::move(detail),
                 ok ? "" : std::move(fix), std::move(needed_for)};
}

uint64_t effective_caps() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

void check_filesystems(std::vector<Finding>& out) {
  auto text = cgroup::read_file("/proc/self/mountinfo");
  std::vector<cgroup::MountEntry> mounts = text ? cgroup::parse_mountinfo(*text) : std::vector<cgroup::MountEntry>{};
  auto find = [&](const char* type) -> const cgroup::MountEntry* {
    for (const auto& m : mounts)
      if (m.fs_type == type) return &m;
    return nullptr;
  };
  const auto* cg2 = find("cgroup2");
  bool hybrid = cg2 && find("cgroup");
  out.push_back(make("filesystems", "cgroup2", cg2 != nullptr,
                     cg2 ? "mounted at " + cg2->mount_point + (hybrid ? " (hybrid: v1 controllers mounted too)" : "")
                         : "no cgroup2 mount in /proc/self/mountinfo",
                     "mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with systemd.unified_cgroup_hierarchy=1)",
                     "per-cgroup attribution of every signal, cgroup_skb programs"));
  const auto* bpffs = find("bpf");
  out.push_back(make("filesystems", "bpffs", bpffs != nullptr,
                     bpffs ? "mounted at " + bpffs->mount_point : "no bpf filesystem mounted",
                     "mount -t bpf bpf /sys/fs/bpf (seismod mounts it itself when it needs pins)",
                     "faults that survive a daemon restart (pinned maps and links)", Verdict::warn));
  const auto* tracefs = find("tracefs");
  out.push_back(make("filesystems", "tracefs", tracefs != nullptr,
                     tracefs ? "mounted at " + tracefs->mount_point : "no tracefs mounted",
                     "mount -t tracefs tracefs /sys/kernel/tracing",
                     "bpftrace comparisons and classic tracepoints (seismo's own probes use tp_btf/raw_tp)",
                     Verdict::warn));
  if (auto mem = cgroup::find_cgroup1_controller(mounts, "memory"))
    out.push_back(make("filesystems", "memory controller", true, "cgroup v1 at " + mem->mount_point, "",
                       "OOM attribution"));
}

void check_prog_types(std::vector<Finding>& out) {
  struct {
    bpf_prog_type type;
    const char* name;
    const char* needed_for;
  } const types[] = {
      {BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint", "syscall and exec probes (fallback flavour)"},
      {BPF_PROG_TYPE_SCHED_CLS, "sched_cls (tc)", "network faults"},
      {BPF_PROG_TYPE_CGROUP_SKB, "cgroup_skb", "per-cgroup network traffic"},
      {BPF_PROG_TYPE_SOCK_OPS, "sock_ops", "TCP signals"},
  };
  for (const auto& t : types) {
    int r = libbpf_probe_bpf_prog_type(t.type, nullptr);
    out.push_back(make("program types", t.name, r == 1,
                       r == 1 ? "supported" : (r == 0 ? "not supported by this kernel" : errno_text(-r)),
                       "needs a newer kernel or CONFIG_BPF_SYSCALL/CONFIG_BPF_EVENTS", t.needed_for));
  }
  int tp = probe_btf_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_sys_enter", BTF_KIND_TYPEDEF);
  // libbpf's TRACING type probe needs fentry, which some hosts forbid while
  // tp_btf works: only a real attach tells.
  out.push_back(make("attach", "tp_btf sys_enter", tp == 0, tp == 0 ? "attaches" : errno_text(tp),
                     "seismo falls back to raw_tp (slightly slower)", "syscall and exec probes (preferred flavour)",
                     Verdict::warn));
  int fentry = probe_btf_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "vfs_read", BTF_KIND_FUNC);
  out.push_back(make("attach", "fentry", fentry == 0, fentry == 0 ? "attaches" : errno_text(fentry),
                     "not required: seismo uses tracepoints", "(optional) cheaper function probes", Verdict::warn));
  int kprobe = probe_kprobe_attach("vfs_read");
  std::string kprobe_detail = kprobe == 0        ? "attaches"
                              : kprobe == ENOENT ? "no kprobe PMU (/sys/bus/event_source/devices/kprobe missing)"
                                                 : errno_text(kprobe);
  out.push_back(make("attach", "kprobe", kprobe == 0, kprobe_detail,
                     "not required: seismo uses tracepoints", "(optional) function probes", Verdict::warn));
  int lsm = probe_btf_attach(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open", BTF_KIND_FUNC);
  // Attaching succeeds whenever CONFIG_BPF_LSM=y, but the hooks only run if
  // "bpf" is in the active LSM list.
  std::string lsm_detail = lsm == 0 ? "attaches" : errno_text(lsm);
  bool lsm_active = false;
  if (lsm == 0) {
    auto active = cgroup::read_file("/sys/kernel/security/lsm", 4096);
    lsm_active = active && (("," + *active + ",").find(",bpf,") != std::string::npos);
    lsm_detail = !active ? "attaches; active LSM list unknown (securityfs not mounted)"
                 : lsm_active ? "attaches; active"
                              : "attaches, but 'bpf' is not in the active LSM list (" + *active + ")";
  }
  out.push_back(make("attach", "BPF LSM", lsm == 0 && lsm_active, lsm_detail,
                     "boot with lsm=...,bpf (CONFIG_BPF_LSM); not required", "(optional) security hooks",
                     Verdict::warn));
}

void check_map_types(std::vector<Finding>& out) {
  struct {
    bpf_map_type type;
    const char* name;
    const char* needed_for;
  } const maps[] = {
      {BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash", "in-kernel per-cgroup counters"},
      {BPF_MAP_TYPE_PERCPU_ARRAY, "percpu_array", "loss counters"},
      {BPF_MAP_TYPE_RINGBUF, "ringbuf", "exec/tcp/oom event streams"},
      {BPF_MAP_TYPE_TASK_STORAGE, "task_storage", "syscall metrics (start stamps), run-queue tp_btf flavour"},
      {BPF_MAP_TYPE_HASH, "hash", "fault table"},
  };
  for (const auto& m : maps) {
    int r = libbpf_probe_bpf_map_type(m.type, nullptr);
    out.push_back(make("map types", m.name, r == 1,
                       r == 1 ? "supported" : (r == 0 ? "not supported by this kernel" : errno_text(-r)),
                       "needs a newer kernel", m.needed_for));
  }
  int h = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_set_tstamp, nullptr);
  out.push_back(make("helpers", "bpf_skb_set_tstamp", h == 1, h == 1 ? "available to tc programs" : "missing",
                     "needs Linux 5.18+ (mono delivery time)", "delay faults (EDT)"));
  const bool loop = has_bpf_loop();
  out.push_back(make("helpers", "bpf_loop", loop, loop ? "available" : "missing",
                     "needs Linux 5.17+", "syscall metrics (forgetting a removed cgroup's rows)"));
  int atomic = probe_atomic_fetch();
  out.push_back(make("instructions", "atomic fetch", atomic == 0,
                     atomic == 0 ? "BPF_CMPXCHG accepted" : "refused (" + errno_text(atomic) + ")",
                     "needs Linux 5.12+", "network faults (fault state and guards), syscall metrics"));
}

void check_qdiscs(std::vector<Finding>& out) {
  struct {
    const char* kind;
    const char* config;
    const char* needed_for;
    Verdict bad;
  } const qdiscs[] = {
      {"clsact", "CONFIG_NET_SCH_INGRESS", "tc programs for every network fault", Verdict::fail},
      {"fq", "CONFIG_NET_SCH_FQ", "delay faults and bandwidth shaping: fq releases EDT-stamped packets",
       Verdict::warn},
      {"netem", "CONFIG_NET_SCH_NETEM", "benchmarks comparing seismo with netem (seismo does not need it)",
       Verdict::warn},
  };
  bool fq = false;
  for (const auto& q : qdiscs) {
    int r = probe_qdisc(q.kind);
    bool ok = r == 0;
    if (std::string_view(q.kind) == "fq") fq = ok;
    std::string detail = ok ? "available" : (r == ENOENT || r == EOPNOTSUPP ? "not available in this kernel"
                                                                          : "could not be created: " + errno_text(r));
    out.push_back(make("qdiscs", q.kind, ok, detail,
                       std::string("build the kernel with ") + q.config + " (or load its module)", q.needed_for,
                       q.bad));
  }
  // How bandwidth faults hold their rate here (docs/faults.md, Bandwidth).
  out.push_back(make("qdiscs", "bandwidth", fq, fq ? "shaping (fq)" : "policing (no fq)",
                     "build the kernel with CONFIG_NET_SCH_FQ to shape (queue) rather than police (drop)",
                     "bandwidth faults: policing drops bursts TCP must recover from, so goodput is below the rate",
                     Verdict::warn));
}

// The hooks behind the network, TCP, scheduler and OOM probes. A probe
// whose hook cannot attach is skipped by seismod (the others keep working),
// so these are warnings, not failures.
void check_signal_hooks(std::vector<Finding>& out) {
  struct {
    const char* tracepoint;
    const char* needed_for;
  } const hooks[] = {
      {"inet_sock_set_state", "tcp probe: connections opened, connect latency"},
      {"tcp_retransmit_skb", "tcp probe: retransmits"},
      {"tcp_retransmit_synack", "tcp probe: SYN-ACK retransmits"},
      {"tcp_send_reset", "tcp probe: resets sent"},
      {"tcp_receive_reset", "tcp probe: resets received"},
      {"sched_wakeup", "sched probe: run-queue latency"},
      {"sched_wakeup_new", "sched probe: run-queue latency"},
      {"sched_switch", "sched probe: run-queue latency"},
      {"mark_victim", "oom probe: OOM kills"},
  };
  for (const auto& h : hooks) {
    int tp = probe_btf_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, (std::string("btf_trace_") + h.tracepoint).c_str(),
                              BTF_KIND_TYPEDEF);
    int raw = tp == 0 ? 0 : probe_raw_tp_attach(h.tracepoint);
    std::string detail = tp == 0    ? "tp_btf attaches"
                         : raw == 0 ? "raw_tp only (tp_btf: " + errno_text(tp) + ")"
                                    : "cannot attach (tp_btf: " + errno_text(tp) + ", raw_tp: " + errno_text(raw) + ")";
    out.push_back(make("signals", h.tracepoint, tp == 0, detail,
                       raw == 0 ? "none needed: seismod falls back to raw_tp"
                                : "a kernel with this tracepoint (and BPF raw tracepoints); seismod skips the probe",
                       h.needed_for, Verdict::warn));
  }
  bool victim_task = tracepoint_arg_struct("mark_victim", 0) == "task_struct";
  out.push_back(make("signals", "mark_victim task", victim_task,
                     victim_task ? "oom:mark_victim passes the victim task" : "oom:mark_victim passes only a pid",
                     "Linux 6.8+ (the tracepoint's task argument); seismod skips the oom probe", "oom probe: victim's "
                     "cgroup and memory figures", Verdict::warn));
  auto cg2 = cgroup::find_mount("cgroup2");
  for (auto [type, name] : {std::pair{BPF_CGROUP_INET_INGRESS, "cgroup_skb ingress"},
                            std::pair{BPF_CGROUP_INET_EGRESS, "cgroup_skb egress"}}) {
    int r = cg2 ? probe_cgroup_skb_attach(cg2->mount_point, type) : ENOENT;
    std::string detail = r == 0 ? "attaches at " + cg2->mount_point + " (allow-multi link)"
                         : cg2  ? "cannot attach at " + cg2->mount_point + ": " + errno_text(r)
                                : "no cgroup2 mount";
    out.push_back(make("signals", name, r == 0, detail,
                       r == EPERM ? "an exclusive (non-multi) program holds the cgroup2 root; attach it with "
                                    "BPF_F_ALLOW_MULTI or point seismod --net-cgroup elsewhere"
                                  : "mount cgroup2 and run as root; seismod skips the net probe",
                       "net probe: packets and bytes per cgroup", Verdict::warn));
  }
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::warn: return "warn";
    case Verdict::fail: return "FAIL";
  }
  return "?";
}

bool has_btf() { return ::access("/sys/kernel/btf/vmlinux", R_OK) == 0; }

bool has_capability(int cap) { return (effective_caps() >> cap) & 1; }

std::vector<Finding> run_checks() {
  std::vector<Finding> out;
  // Silence libbpf while probing: failures are the point of the exercise.
  auto old = libbpf_set_print(nullptr);
  std::ifstream rel("/proc/sys/kernel/osrelease");
  std::string release;
  std::getline(rel, release);
  out.push_back(make("kernel", "release", true, release, "", "reference"));
  out.push_back(make("kernel", "BTF", has_btf(),
                     has_btf() ? "/sys/kernel/btf/vmlinux present" : "/sys/kernel/btf/vmlinux missing",
                     "use a kernel built with CONFIG_DEBUG_INFO_BTF=y", "CO-RE: every seismo BPF program"));
  // The kernel's bpf_capable() and perfmon_capable() accept CAP_SYS_ADMIN
  // in place of CAP_BPF and CAP_PERFMON (the DaemonSet grants only that).
  constexpr int kSysAdmin = 21;
  struct {
    int cap;
    const char* name;
    const char* needed_for;
    bool sys_admin_suffices;
  } const caps[] = {
      {39, "CAP_BPF", "loading BPF programs and maps", true},
      {38, "CAP_PERFMON", "tracing programs", true},
      {12, "CAP_NET_ADMIN", "tc programs and qdiscs (faults)", false},
      {kSysAdmin, "CAP_SYS_ADMIN", "bpffs, namespaces, some program types", false},
  };
  for (const auto& c : caps) {
    const bool own = has_capability(c.cap);
    const bool via_sys_admin = !own && c.sys_admin_suffices && has_capability(kSysAdmin);
    out.push_back(make("capabilities", c.name, own || via_sys_admin,
                       own ? "effective" : via_sys_admin ? "granted through CAP_SYS_ADMIN" : "not effective",
                       "run as root or grant the capability (DaemonSet securityContext.capabilities.add)",
                       c.needed_for));
  }
  check_filesystems(out);
  check_prog_types(out);
  check_signal_hooks(out);
  check_map_types(out);
  check_qdiscs(out);
  libbpf_set_print(old);
  return out;
}

nlohmann::json to_json(const std::vector<Finding>& findings) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : findings) {
    arr.push_back({{"area", f.area},
                   {"name", f.name},
                   {"verdict", verdict_name(f.verdict)},
                   {"detail", f.detail},
                   {"fix", f.fix},
                   {"needed_for", f.needed_for}});
  }
  return arr;
}

}  // namespace seismo::doctor
