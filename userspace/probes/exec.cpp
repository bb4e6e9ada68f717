#include "probes/exec.h"

#include <bpf/bpf.h>

#include <cstring>

#include "bpf/cgroup_rows.h"
#include "bpf/link.h"
#include "bpf/percpu.h"
#include "exec.skel.h"
#include "probes/hook_flavour.h"
#include "seismo/exec.h"

namespace seismo::probes {

static_assert(sizeof(exec_event) == 8 + 24 + SEISMO_COMM_LEN + SEISMO_FILENAME_LEN, "exec_event layout");

namespace {
std::string bounded_string(const __u8* data, size_t cap) {
  const char* s = reinterpret_cast<const char*>(data);
  return std::string(s, ::strnlen(s, cap));
}
}  // namespace

Result<ExecEvent> decode_exec_event(const void* data, size_t size) {
  if (size < sizeof(exec_event))
    return fail_errno(EINVAL, fmt::format("exec event: {} bytes, expected {}", size, sizeof(exec_event)));
  exec_event raw;
  std::memcpy(&raw, data, sizeof(raw));
  if (raw.hdr.version != SEISMO_EVENT_VERSION || raw.hdr.kind != SEISMO_EVENT_EXEC || raw.hdr.size != sizeof(raw))
    return fail_errno(EINVAL, fmt::format("exec event: header version {} kind {} size {} not understood",
                                          raw.hdr.version, raw.hdr.kind, raw.hdr.size));
  ExecEvent ev;
  ev.pid = raw.pid;
  ev.ppid = raw.ppid;
  ev.cgroup_id = raw.cgroup_id;
  ev.ts_ns = raw.ts_ns;
  ev.comm = bounded_string(raw.comm, sizeof(raw.comm));
  ev.filename = bounded_string(raw.filename, sizeof(raw.filename));
  return ev;
}

void ExecProbe::SkelDeleter::operator()(exec_bpf* s) const noexcept { exec_bpf__destroy(s); }

Result<std::unique_ptr<ExecProbe>> ExecProbe::create(const ExecProbeConfig& config, EventCallback on_event) {
  if (config.max_entries == 0) return fail_errno(EINVAL, "exec probe: max_entries must be > 0");
  using Ptr = std::unique_ptr<exec_bpf, SkelDeleter>;
  auto loaded = load_with_fallback<Ptr>(
      &exec_bpf__open_opts, &exec_bpf__load,
      [&](exec_bpf* s) {
        return check_libbpf(bpf_map__set_max_entries(s->maps.exec_counts, config.max_entries), "size exec_counts");
      },
      "exec probe", config.only_flavour);
  if (!loaded) return fail(std::move(loaded).error());

  std::unique_ptr<ExecProbe> probe(new ExecProbe());
  probe->skel_ = std::move(loaded->skel);
  probe->status_ = ProbeStatus{"exec", false, flavour_name(loaded->flavour), loaded->fallback_reason};
  auto events = EventStream<ExecEvent>::start(bpf_map__fd(probe->skel_->maps.exec_events), &decode_exec_event,
                                             std::move(on_event), "exec probe");
  if (!events) return fail(std::move(events).error());
  probe->events_ = std::move(*events);
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "exec probe");
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

ExecProbe::~ExecProbe() {
  events_.reset();  // no callback runs once the links go
  links_.clear();
}

void ExecProbe::for_each(const std::function<void(uint64_t, uint64_t)>& visit) {
  bpf::for_each_u64_row(skel_->maps.exec_counts, 1, [&](uint64_t cgroup_id, const uint64_t* execs) {
    visit(cgroup_id, execs[0]);
  });
}

void ExecProbe::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  bpf::delete_cgroup_rows(skel_->maps.exec_counts, cgroup_ids);
}

std::vector<LossCount> ExecProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"exec_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"exec_ringbuf_full", raw.at(SEISMO_LOSS_RINGBUF_FULL)},
          {"exec_malformed", events_->malformed()}};
}

}  // namespace seismo::probes
