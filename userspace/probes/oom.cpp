#include "probes/oom.h"

#include <unistd.h>

#include <cstring>

#include "bpf/cgroup_rows.h"
#include "bpf/link.h"
#include "bpf/percpu.h"
#include "doctor/attach_probe.h"
#include "oom.skel.h"
#include "seismo/oom.h"

namespace seismo::probes {

static_assert(sizeof(oom_event) == 48 + SEISMO_OOM_COMM_LEN + 40, "oom_event must match bpf/include/seismo/oom.h");

Result<OomEvent> decode_oom_event(const void* data, size_t size) {
  if (size < sizeof(oom_event))
    return fail_errno(EINVAL, fmt::format("oom event: {} bytes, expected {}", size, sizeof(oom_event)));
  oom_event raw;
  std::memcpy(&raw, data, sizeof(raw));
  if (raw.hdr.version != SEISMO_EVENT_VERSION || raw.hdr.kind != SEISMO_EVENT_OOM_KILL || raw.hdr.size != sizeof(raw))
    return fail_errno(EINVAL, fmt::format("oom event: header version {} kind {} size {} not understood",
                                          raw.hdr.version, raw.hdr.kind, raw.hdr.size));
  OomEvent ev;
  ev.cgroup_id = raw.cgroup_id;
  ev.ts_ns = raw.ts_ns;
  ev.pid = raw.pid;
  ev.tid = raw.tid;
  ev.uid = raw.uid;
  ev.trigger_pid = raw.trigger_pid;
  ev.oom_score_adj = raw.oom_score_adj;
  const char* comm = reinterpret_cast<const char*>(raw.comm);
  ev.comm.assign(comm, ::strnlen(comm, sizeof(raw.comm)));
  ev.total_vm_kb = raw.total_vm_kb;
  ev.anon_rss_kb = raw.anon_rss_kb;
  ev.file_rss_kb = raw.file_rss_kb;
  ev.shmem_rss_kb = raw.shmem_rss_kb;
  ev.pgtables_kb = raw.pgtables_kb;
  return ev;
}

Result<void> check_mark_victim_passes_task() {
  if (doctor::tracepoint_arg_struct("mark_victim", 0) == "task_struct") return {};
  if (doctor::probe_raw_tp_attach("mark_victim") == ENOENT)
    return fail_plain("oom probe: tracepoint oom:mark_victim does not exist in this kernel");
  return fail_plain(
      "oom probe: this kernel's oom:mark_victim passes only the victim's pid (the task argument arrived in "
      "Linux 6.8); OOM kills are not attributed");
}

void OomProbe::SkelDeleter::operator()(oom_bpf* s) const noexcept { oom_bpf__destroy(s); }

Result<std::unique_ptr<OomProbe>> OomProbe::create(const OomProbeConfig& config, EventCallback on_event) {
  if (config.max_entries == 0) return fail_errno(EINVAL, "oom probe: max_entries must be > 0");
  if (auto r = check_mark_victim_passes_task(); !r) return fail(std::move(r).error());
  const long page = ::sysconf(_SC_PAGESIZE);
  using Ptr = std::unique_ptr<oom_bpf, SkelDeleter>;
  auto loaded = load_with_fallback<Ptr>(
      &oom_bpf__open_opts, &oom_bpf__load,
      [&](oom_bpf* s) {
        s->rodata->cfg_page_kb = page > 0 ? static_cast<uint64_t>(page) / 1024 : 4;
        return check_libbpf(bpf_map__set_max_entries(s->maps.oom_kills, config.max_entries), "size oom_kills");
      },
      "oom probe", config.only_flavour);
  if (!loaded) return fail(std::move(loaded).error());

  std::unique_ptr<OomProbe> probe(new OomProbe());
  probe->skel_ = std::move(loaded->skel);
  probe->status_ = ProbeStatus{"oom", false, flavour_name(loaded->flavour), loaded->fallback_reason};
  auto events = EventStream<OomEvent>::start(bpf_map__fd(probe->skel_->maps.oom_events), &decode_oom_event,
                                             std::move(on_event), "oom probe");
  if (!events) return fail(std::move(events).error());
  probe->events_ = std::move(*events);
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "oom probe");
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

OomProbe::~OomProbe() {
  events_.reset();
  links_.clear();
}

void OomProbe::for_each(const std::function<void(uint64_t, const uint64_t&)>& visit) {
  bpf::for_each_cgroup_row<uint64_t>(skel_->maps.oom_kills, visit);
}

void OomProbe::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  bpf::delete_cgroup_rows(skel_->maps.oom_kills, cgroup_ids);
}

std::vector<LossCount> OomProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"oom_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"oom_ringbuf_full", raw.at(SEISMO_LOSS_RINGBUF_FULL)},
          {"oom_malformed", events_->malformed()}};
}

}  // namespace seismo::probes
