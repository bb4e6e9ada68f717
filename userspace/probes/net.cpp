#include "probes/net.h"

#include <fcntl.h>

#include "bpf/cgroup_rows.h"
#include "bpf/percpu.h"
#include "bpf/skeleton.h"
#include "net.skel.h"

namespace seismo::probes {

static_assert(sizeof(net_stats) == 32, "net_stats must match bpf/include/seismo/net.h");

void NetProbe::SkelDeleter::operator()(net_bpf* s) const noexcept { net_bpf__destroy(s); }

Result<std::unique_ptr<NetProbe>> NetProbe::create(const NetProbeConfig& config) {
  if (config.max_entries == 0) return fail_errno(EINVAL, "net probe: max_entries must be > 0");
  if (config.cgroup_path.empty()) return fail_errno(EINVAL, "net probe: no cgroup to attach to");
  UniqueFd cg(::open(config.cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cg) return fail_errno(errno, "net probe: open cgroup " + config.cgroup_path);

  using Ptr = std::unique_ptr<net_bpf, SkelDeleter>;
  auto skel = bpf::open_and_load<Ptr>(
      &net_bpf__open_opts, &net_bpf__load,
      [&](net_bpf* s) {
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.net_stats, config.max_entries), "size net_stats");
            !r)
          return r;
        // One row per (cgroup, rcode, qtype) seen and per malformed direction:
        // a pod typically uses a handful (A and AAAA, NOERROR and NXDOMAIN).
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.dns_counts, config.max_entries), "size dns_counts");
            !r)
          return r;
        return check_libbpf(bpf_map__set_max_entries(s->maps.dns_latency, config.max_entries), "size dns_latency");
      },
      "net probe");
  if (!skel) return fail(std::move(skel).error());

  std::unique_ptr<NetProbe> probe(new NetProbe());
  probe->skel_ = std::move(*skel);
  probe->cgroup_fd_ = std::move(cg);
  probe->status_ = ProbeStatus{"net", false, "cgroup_skb", ""};
  auto events = EventStream<DnsEvent>::start(bpf_map__fd(probe->skel_->maps.dns_events), &decode_dns_event,
                                             config.on_dns, "net probe (dns)");
  if (!events) return fail(std::move(events).error());
  probe->dns_events_ = std::move(*events);
  probe->dns_tables_ = std::make_unique<DnsTables>(
      probe->skel_->maps.dns_counts, probe->skel_->maps.dns_latency, probe->skel_->maps.losses,
      [stream = probe->dns_events_.get()] { return stream->malformed(); });
  for (bpf_program* prog : {probe->skel_->progs.cgskb_ingress, probe->skel_->progs.cgskb_egress}) {
    // A link attachment is BPF_F_ALLOW_MULTI by definition; it fails (EPERM)
    // only if someone attached an exclusive program to this cgroup.
    bpf_link* link = bpf_program__attach_cgroup(prog, probe->cgroup_fd_.get());
    if (!link)
      return fail_errno(errno, fmt::format("net probe: attach {} to cgroup {}", bpf_program__name(prog),
                                           config.cgroup_path));
    probe->links_.emplace_back(link);
  }
  probe->status_.attached = true;
  return probe;
}

NetProbe::~NetProbe() {
  dns_events_.reset();
  links_.clear();
}

void NetProbe::for_each(const std::function<void(uint64_t, const net_stats&)>& visit) {
  bpf::for_each_cgroup_row<net_stats>(skel_->maps.net_stats, visit);
}

void NetProbe::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  bpf::delete_cgroup_rows(skel_->maps.net_stats, cgroup_ids);
}

std::vector<LossCount> NetProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"net_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)}};
}

}  // namespace seismo::probes
