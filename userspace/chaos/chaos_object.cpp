#include "chaos/chaos_object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <string_view>

#include <fmt/format.h>

#include "chaos.skel.h"
#include "chaos/stranded_programs.h"
#include "doctor/attach_probe.h"

namespace seismo::chaos {

void ChaosObject::Destroy::operator()(chaos_bpf* skel) const noexcept { chaos_bpf__destroy(skel); }

ChaosObject::~ChaosObject() = default;

Result<std::unique_ptr<ChaosObject>> ChaosObject::load_maps(const std::string& pin_dir) { return load(pin_dir, nullptr); }

Result<std::unique_ptr<ChaosObject>> ChaosObject::load_program(const std::string& pin_dir,
                                                               const ChaosProgramConfig& config) {
  return load(pin_dir, &config);
}

Result<std::unique_ptr<ChaosObject>> ChaosObject::load(const std::string& pin_dir, const ChaosProgramConfig* config) {
  std::unique_ptr<ChaosObject> obj(new ChaosObject());
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir.c_str());
  obj->skel_.reset(chaos_bpf__open_opts(&opts));
  if (!obj->skel_) return fail_errno(errno ? errno : ENOMEM, "open chaos BPF object");
  auto* skel = obj->skel_.get();
  bpf_program* wanted = nullptr;
  if (config) {
    wanted = config->hook == net::TcHook::egress ? skel->progs.tc_fault_egress : skel->progs.tc_fault_ingress;
    if (config->cgroup_ingress) wanted = skel->progs.cgskb_fault_ingress;
    skel->rodata->cfg_attach_id = config->attach_id;
    skel->rodata->cfg_l2_len = config->l2_len;
    skel->rodata->cfg_peer_is_src = config->peer_is_src ? 1 : 0;
    skel->rodata->cfg_instance = instance_tag(pin_dir);
  }
  bpf_program__set_autoload(skel->progs.tc_fault_egress, wanted == skel->progs.tc_fault_egress);
  bpf_program__set_autoload(skel->progs.tc_fault_ingress, wanted == skel->progs.tc_fault_ingress);
  bpf_program__set_autoload(skel->progs.cgskb_fault_ingress, wanted == skel->progs.cgskb_fault_ingress);
  // The guards' tracing programs load only through GuardTracing.
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    const std::string_view sec = bpf_program__section_name(prog);
    if (sec.starts_with("tp_btf/") || sec.starts_with("raw_tp/")) bpf_program__set_autoload(prog, false);
  }
  if (int err = chaos_bpf__load(skel); err != 0) {
    if (auto gap = doctor::fault_program_gap(); !gap.empty()) return fail_errno(err, gap);
    return fail_errno(err, fmt::format("load chaos BPF {} (pinned maps under {}; verifier log at --log-level debug)",
                                       config ? "program" : "maps", pin_dir));
  }
  if (wanted) obj->program_fd_ = bpf_program__fd(wanted);
  return obj;
}

int ChaosObject::map_fd(ChaosMap map) const {
  auto& m = skel_->maps;
  switch (map) {
    case ChaosMap::cfg: return bpf_map__fd(m.fault_cfg);
    case ChaosMap::peers: return bpf_map__fd(m.fault_peers);
    case ChaosMap::attach: return bpf_map__fd(m.fault_attach);
    case ChaosMap::stats: return bpf_map__fd(m.fault_stats);
    case ChaosMap::hist: return bpf_map__fd(m.fault_hist);
    case ChaosMap::state: return bpf_map__fd(m.fault_state);
    case ChaosMap::flows: return bpf_map__fd(m.fault_flows);
    case ChaosMap::losses: return bpf_map__fd(m.fault_losses);
    case ChaosMap::guards: return bpf_map__fd(m.fault_guards);
    case ChaosMap::guard_owners: return bpf_map__fd(m.fault_guard_owners);
  }
  return -1;
}

int ChaosObject::program_fd() const { return program_fd_; }

uint32_t ChaosObject::program_id() const {
  if (program_fd_ < 0) return 0;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_prog_get_info_by_fd(program_fd_, &info, &len) != 0) return 0;
  return info.id;
}

Result<void> ChaosObject::unpin_maps(const std::string& pin_dir) {
  return check_libbpf(bpf_object__unpin_maps(skel_->obj, nullptr), "unpin chaos maps under " + pin_dir);
}

}  // namespace seismo::chaos
