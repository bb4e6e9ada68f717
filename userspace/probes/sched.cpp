#include "probes/sched.h"

#include <bpf/btf.h>

#include <cstring>

#include "bpf/cgroup_rows.h"
#include "bpf/link.h"
#include "bpf/percpu.h"
#include "doctor/attach_probe.h"
#include "sched.skel.h"

namespace seismo::probes {

static_assert(sizeof(runq_stats) == 16 + 8 * SEISMO_HIST_SLOTS, "runq_stats must match bpf/include/seismo/sched.h");

namespace {

// Whether the running kernel keeps sched_info (CONFIG_SCHED_INFO): then one
// sched_switch program reads the waits the scheduler measures itself
// (bpf/sched.bpf.c, runq_switch).
bool kernel_keeps_sched_info() {
  std::unique_ptr<btf, void (*)(btf*)> vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return false;
  const int task = btf__find_by_name_kind(vmlinux.get(), "task_struct", BTF_KIND_STRUCT);
  if (task < 0) return false;
  const btf_type* t = btf__type_by_id(vmlinux.get(), static_cast<__u32>(task));
  const btf_member* m = btf_members(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++m) {
    const char* name = btf__name_by_offset(vmlinux.get(), m->name_off);
    if (name && std::strcmp(name, "sched_info") == 0) return true;
  }
  return false;
}

// The tp_btf programs and task storage map of one wait source; the other's
// are neither loaded nor created. raw_tp keeps its own thread-id hash.
Result<void> select_wait_source(sched_bpf* s, bool btf, bool sched_info) {
  for (bpf_program* p : {s->progs.runq_wakeup, s->progs.runq_wknew, s->progs.runq_switch_ts})
    if (auto r = check_libbpf(bpf_program__set_autoload(p, btf && !sched_info), "runq stamp autoload"); !r) return r;
  if (auto r = check_libbpf(bpf_program__set_autoload(s->progs.runq_switch, btf && sched_info), "runq_switch autoload");
      !r)
    return r;
  if (auto r = check_libbpf(bpf_map__set_autocreate(s->maps.runq_start, !btf), "runq_start autocreate"); !r) return r;
  if (auto r = check_libbpf(bpf_map__set_autocreate(s->maps.runq_task_start, btf && !sched_info),
                            "runq_task_start autocreate");
      !r)
    return r;
  return check_libbpf(bpf_map__set_autocreate(s->maps.runq_seen, btf && sched_info), "runq_seen autocreate");
}

}  // namespace

void SchedProbe::SkelDeleter::operator()(sched_bpf* s) const noexcept { sched_bpf__destroy(s); }

Result<std::unique_ptr<SchedProbe>> SchedProbe::create(const SchedProbeConfig& config) {
  if (config.max_entries == 0 || config.runnable_entries == 0)
    return fail_errno(EINVAL, "sched probe: map sizes must be > 0");
  using Ptr = std::unique_ptr<sched_bpf, SkelDeleter>;
  const bool sched_info = config.use_sched_info && kernel_keeps_sched_info();
  auto loaded = load_with_fallback<Ptr>(
      &sched_bpf__open_opts, &sched_bpf__load,
      [&](sched_bpf* s) -> Result<void> {
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.runq_stats, config.max_entries),
                                  "size runq_stats");
            !r)
          return r;
        // Each flavour keeps enqueue times in its own map: create only that
        // one (the raw_tp hash is preallocated; task storage needs 5.11).
        const bool btf = bpf_program__autoload(s->progs.runq_switch);
        if (btf && !doctor::has_task_storage())
          return fail_errno(EOPNOTSUPP, "the tp_btf flavour keeps its per-task state in task storage maps (Linux 5.11+), "
                                        "which this kernel lacks");
        if (auto r = select_wait_source(s, btf, sched_info); !r) return r;
        return check_libbpf(bpf_map__set_max_entries(s->maps.runq_start, config.runnable_entries),
                            "size runq_start");
      },
      "sched probe", config.only_flavour);
  if (!loaded) return fail(std::move(loaded).error());

  std::unique_ptr<SchedProbe> probe(new SchedProbe());
  probe->skel_ = std::move(loaded->skel);
  probe->sched_info_ = sched_info && loaded->flavour == HookFlavour::tp_btf;
  probe->status_ = ProbeStatus{"sched", false, flavour_name(loaded->flavour), loaded->fallback_reason};
  // The costlier wait source shows in `seismo status` like any fallback.
  if (loaded->flavour == HookFlavour::tp_btf && !probe->sched_info_ && config.use_sched_info)
    probe->status_.reason = "kernel keeps no sched_info (CONFIG_SCHED_INFO): wakeup stamps on 3 hooks";
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "sched probe");
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

void SchedProbe::for_each(const std::function<void(uint64_t, const runq_stats&)>& visit) {
  bpf::for_each_cgroup_row<runq_stats>(skel_->maps.runq_stats, visit);
}

void SchedProbe::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  bpf::delete_cgroup_rows(skel_->maps.runq_stats, cgroup_ids);
}

std::vector<LossCount> SchedProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"runq_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"runq_start_full", raw.at(SEISMO_LOSS_START_MAP_FULL)},
          {"runq_task_storage", raw.at(SEISMO_LOSS_TASK_STORAGE)}};
}

}  // namespace seismo::probes
