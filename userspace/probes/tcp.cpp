#include "probes/tcp.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "bpf/cgroup_rows.h"
#include "bpf/link.h"
#include "bpf/percpu.h"
#include "doctor/attach_probe.h"
#include "tcp.skel.h"

namespace seismo::probes {

static_assert(sizeof(tcp_stats) == 72 + 8 * SEISMO_HIST_SLOTS, "tcp_stats must match bpf/include/seismo/tcp.h");
static_assert(sizeof(tcp_event) == 64, "tcp_event must match bpf/include/seismo/tcp.h");

const char* tcp_event_kind_name(TcpEventKind kind) {
  switch (kind) {
    case TcpEventKind::retransmit: return "tcp_retransmit";
    case TcpEventKind::reset_sent: return "tcp_reset_sent";
    case TcpEventKind::reset_received: return "tcp_reset_received";
  }
  return "tcp_unknown";
}

const char* tcp_state_name(uint8_t state) {
  static const char* const names[] = {"UNKNOWN",   "ESTABLISHED", "SYN_SENT",  "SYN_RECV", "FIN_WAIT1",
                                      "FIN_WAIT2", "TIME_WAIT",   "CLOSE",     "CLOSE_WAIT", "LAST_ACK",
                                      "LISTEN",    "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE"};
  return state < std::size(names) ? names[state] : "UNKNOWN";
}

namespace {
std::string format_address(uint16_t family, const __u8* bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) return inet_ntop(AF_INET, bytes, buf, sizeof(buf)) ? buf : "?";
  if (family == AF_INET6) return inet_ntop(AF_INET6, bytes, buf, sizeof(buf)) ? buf : "?";
  return "?";
}
}  // namespace

Result<TcpEvent> decode_tcp_event(const void* data, size_t size) {
  if (size < sizeof(tcp_event))
    return fail_errno(EINVAL, fmt::format("tcp event: {} bytes, expected {}", size, sizeof(tcp_event)));
  tcp_event raw;
  std::memcpy(&raw, data, sizeof(raw));
  TcpEvent ev;
  switch (raw.hdr.kind) {
    case SEISMO_EVENT_TCP_RETRANSMIT: ev.kind = TcpEventKind::retransmit; break;
    case SEISMO_EVENT_TCP_RESET_SENT: ev.kind = TcpEventKind::reset_sent; break;
    case SEISMO_EVENT_TCP_RESET_RECEIVED: ev.kind = TcpEventKind::reset_received; break;
    default:
      return fail_errno(EINVAL, fmt::format("tcp event: kind {} not understood", raw.hdr.kind));
  }
  if (raw.hdr.version != SEISMO_EVENT_VERSION || raw.hdr.size != sizeof(raw))
    return fail_errno(EINVAL, fmt::format("tcp event: header version {} size {} not understood", raw.hdr.version,
                                          raw.hdr.size));
  ev.cgroup_id = raw.cgroup_id;
  ev.ts_ns = raw.ts_ns;
  ev.family = raw.family == AF_INET ? "ipv4" : raw.family == AF_INET6 ? "ipv6" : "unknown";
  ev.saddr = format_address(raw.family, raw.saddr);
  ev.daddr = format_address(raw.family, raw.daddr);
  ev.sport = raw.sport;
  ev.dport = raw.dport;
  ev.state = raw.state;
  return ev;
}

void TcpProbe::SkelDeleter::operator()(tcp_bpf* s) const noexcept { tcp_bpf__destroy(s); }

Result<std::unique_ptr<TcpProbe>> TcpProbe::create(const TcpProbeConfig& config, EventCallback on_event) {
  if (config.max_entries == 0 || config.connect_entries == 0)
    return fail_errno(EINVAL, "tcp probe: map sizes must be > 0");
  using Ptr = std::unique_ptr<tcp_bpf, SkelDeleter>;
  auto loaded = load_with_fallback<Ptr>(
      &tcp_bpf__open_opts, &tcp_bpf__load,
      [&](tcp_bpf* s) -> Result<void> {
        s->rodata->cfg_root_cgroup_id = config.root_cgroup_id;
        // Newer kernels fire tcp_retransmit_skb for failed attempts too and
        // say so in a third argument (bpf/lib/tcp_retrans.bpf.h).
        s->rodata->cfg_retrans_err_arg = doctor::tracepoint_arg_is_int("tcp_retransmit_skb", 2) ? 1 : 0;
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.tcp_stats, config.max_entries), "size tcp_stats");
            !r)
          return r;
        if (auto r = check_libbpf(bpf_map__set_max_entries(s->maps.tcp_start, config.connect_entries),
                                  "size tcp_start");
            !r)
          return r;
        return check_libbpf(bpf_map__set_max_entries(s->maps.tcp_events, config.ring_bytes), "size tcp_events");
      },
      "tcp probe", config.only_flavour);
  if (!loaded) return fail(std::move(loaded).error());

  std::unique_ptr<TcpProbe> probe(new TcpProbe());
  probe->skel_ = std::move(loaded->skel);
  probe->status_ = ProbeStatus{"tcp", false, flavour_name(loaded->flavour), loaded->fallback_reason};
  auto events = EventStream<TcpEvent>::start(bpf_map__fd(probe->skel_->maps.tcp_events), &decode_tcp_event,
                                             std::move(on_event), "tcp probe");
  if (!events) return fail(std::move(events).error());
  probe->events_ = std::move(*events);
  auto links = bpf::attach_autoloaded(probe->skel_->obj, "tcp probe");
  if (!links) return fail(std::move(links).error());
  probe->links_ = std::move(*links);
  probe->status_.attached = true;
  return probe;
}

TcpProbe::~TcpProbe() {
  events_.reset();  // no callback runs once the links go
  links_.clear();
}

void TcpProbe::for_each(const std::function<void(uint64_t, const tcp_stats&)>& visit) {
  bpf::for_each_cgroup_row<tcp_stats>(skel_->maps.tcp_stats, visit);
}

void TcpProbe::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  bpf::delete_cgroup_rows(skel_->maps.tcp_stats, cgroup_ids);
}

std::vector<LossCount> TcpProbe::losses() {
  auto raw = bpf::read_loss_counters(skel_->maps.losses);
  return {{"tcp_map_full", raw.at(SEISMO_LOSS_STATS_MAP_FULL)},
          {"tcp_connect_start_full", raw.at(SEISMO_LOSS_START_MAP_FULL)},
          {"tcp_ringbuf_full", raw.at(SEISMO_LOSS_RINGBUF_FULL)},
          {"tcp_malformed", events_->malformed()}};
}

}  // namespace seismo::probes
