#include "chaos/fault_planner.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "chaos/conflict_rule.h"
#include "chaos/endpoint_selection.h"
#include "chaos/spec_bandwidth.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

namespace {

// fq must hold what a delayed flow sends during the delay (tc-fq(8)
// flow_limit), and the horizon must cover latency + jitter.
net::FqOptions fq_options_for(const FaultSpec& spec, uint64_t rate_pps) {
  const double seconds = static_cast<double>(spec.delay.latency_ns + spec.delay.jitter_ns) / 1e9;
  net::FqOptions fq;
  fq.flow_limit = static_cast<uint32_t>(std::clamp(std::ceil(seconds * static_cast<double>(rate_pps)), 100.0, 100000.0));
  fq.limit = std::max<uint32_t>(10000, 2 * fq.flow_limit);
  fq.horizon_us = static_cast<uint32_t>(kMaxLatencyNs / 1000);
  fq.horizon_drop = true;
  return fq;
}

// A shaped bandwidth fault's queue lives in fq: up to limit_bytes per flow,
// in packets as small as 64 bytes, departures at most fq's horizon ahead
// (parse_bandwidth bounds limit / rate by it).
net::FqOptions fq_options_for_shaping(const BandwidthSpec& bw) {
  net::FqOptions fq;
  fq.flow_limit = static_cast<uint32_t>(std::clamp<uint64_t>(bw.limit_bytes / 64, 100, 100000));
  fq.limit = std::max<uint32_t>(10000, 2 * fq.flow_limit);
  fq.horizon_us = static_cast<uint32_t>(kMaxLatencyNs / 1000);
  fq.horizon_drop = true;
  return fq;
}

bool hooked(const InstalledState& installed, const DeviceKey& key) {
  return std::any_of(installed.attachments.begin(), installed.attachments.end(),
                     [&](const PlacedAttachment& a) { return a.device == key; });
}

}  // namespace

const LiveFault* InstalledState::fault(const std::string& name) const {
  for (const auto& f : faults)
    if (f.name == name) return &f;
  return nullptr;
}

Result<uint32_t> FaultPlanner::admit(const FaultSpec& spec, const WorldSnapshot& world) const {
  const auto& faults = world.installed.faults;
  if (world.installed.fault(spec.name))
    return fail_errno(EEXIST, fmt::format("name: a fault named '{}' exists", spec.name));
  if (spec.action == Action::delay && !world.fq_available)
    return fail_errno(EOPNOTSUPP, "action delay: this kernel has no fq qdisc (CONFIG_NET_SCH_FQ); seismo delays "
                                  "packets by EDT time stamps that only fq honours, so the fault is refused rather "
                                  "than silently doing nothing (see `seismo doctor`)");
  uint32_t slot = 0;
  auto used = [&](uint32_t s) {
    return std::any_of(faults.begin(), faults.end(), [&](const LiveFault& f) { return f.slot == s; });
  };
  while (slot < SEISMO_FAULT_SLOTS && used(slot)) ++slot;
  if (slot == SEISMO_FAULT_SLOTS)
    return fail_errno(ENOSPC, fmt::format("fault limit reached: {} faults are active, the most seismod runs at once "
                                          "(remove one first)",
                                          slot));
  return slot;
}

Result<void> FaultPlanner::admit_peers(const std::string& name, const FaultSpec& changed,
                                       const InstalledState& installed) {
  const LiveFault* self = installed.fault(name);
  if (!self) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  const size_t n = changed.filter.cidrs.size();
  if (n > kMaxCidrs) return fail_errno(EINVAL, fmt::format("filter.cidrs: {} prefixes, at most {}", n, kMaxCidrs));
  if ((n == 0) != self->spec.filter.cidrs.empty())
    return fail_errno(EINVAL, "filter.cidrs: a change between no peer filter and some peers is a new fault "
                              "(remove it and add it again)");
  for (uint32_t id : self->attach_ids) {
    const PlacedAttachment* mine = nullptr;
    for (const auto& att : installed.attachments)
      if (att.attach_id == id) mine = &att;
    if (!mine) continue;
    for (const auto& att : installed.attachments) {
      if (att.device != mine->device || att.hook != mine->hook) continue;
      std::vector<PlacedFault> placed;
      for (uint32_t slot : att.slots)
        for (const auto& f : installed.faults)
          if (f.slot == slot && f.name != name) placed.push_back({f.name, &f.spec});
      if (auto other = conflicting_fault(changed, placed))
        return fail_errno(EEXIST, fmt::format("filter.cidrs: the new peers conflict with fault '{}': two delay "
                                              "faults on overlapping traffic (docs/faults.md, Composition)",
                                              *other));
    }
  }
  return {};
}

std::vector<size_t> FaultPlanner::choose(const FaultSpec& spec, size_t n, std::mt19937_64& rng) {
  return select_endpoints(spec.mode, spec.mode_value, n, rng);
}

Result<void> FaultPlanner::settle_bandwidth_mode(FaultSpec& spec, bool fq_available) {
  if (spec.action != Action::bandwidth) return {};
  BandwidthMode& mode = spec.bandwidth.mode;
  if (mode == BandwidthMode::shape && !fq_available)
    return fail_errno(EOPNOTSUPP, "bandwidth.mode: shape needs the fq qdisc (CONFIG_NET_SCH_FQ), which this kernel "
                                  "lacks; use mode police, or leave mode out to police where fq is missing (see "
                                  "`seismo doctor`)");
  if (mode == BandwidthMode::automatic) mode = fq_available ? BandwidthMode::shape : BandwidthMode::police;
  // A policer's bucket must span TCP's retransmission timeout (docs/faults.md).
  if (mode == BandwidthMode::police && spec.bandwidth.buffer_defaulted) {
    spec.bandwidth.buffer_bytes = default_police_buffer_bytes(spec.bandwidth.rate_bps);
    spec.bandwidth.buffer_defaulted = false;
  }
  return {};
}

// delay and shaping: EDT works at egress only (policing goes there too, so
// that a bandwidth fault acts in the same place whichever the kernel
// allows); duplicate: a clone sent at egress goes out synchronously (at
// ingress it would go through the backlog).
bool FaultPlanner::ingress_at_peer_egress(Action action) {
  return action == Action::delay || action == Action::bandwidth || action == Action::duplicate;
}

bool FaultPlanner::needs_peer(const FaultSpec& spec) {
  return spec.direction != Direction::egress && ingress_at_peer_egress(spec.action);
}

Result<std::vector<FaultPlanner::Site>> FaultPlanner::sites(const FaultSpec& spec, const WorldSnapshot& world) const {
  std::vector<Site> out;
  auto add = [&](Site s) {
    for (const auto& o : out)
      if (o.device.key == s.device.key && o.hook == s.hook && o.peer_is_src == s.peer_is_src &&
          o.cgroup_id == s.cgroup_id)
        return;
    s.device.hooked = hooked(world.installed, s.device.key);
    out.push_back(std::move(s));
  };
  const bool egress = spec.direction != Direction::ingress;
  const bool ingress = spec.direction != Direction::egress;
  for (size_t i = 0; i < world.endpoints.size(); ++i) {
    const EndpointFacts& ep = world.endpoints[i];
    // By socket, a fault on a shared device selects the cgroup's own
    // packets: the node's devices are allowed without host_network.
    if (auto host = world.host.matches(ep.netns_inode, ep.netns_device);
        host && !spec.target.host_network && !spec.target.by_socket)
      return fail_errno(EPERM, fmt::format("target: {} is {}; set target.host_network: true to allow that",
                                           ep.description, *host));
    if (spec.target.by_socket) {
      if (!ep.cgroup) return fail_errno(EINVAL, fmt::format("target.by: {}: the cgroup was not read", ep.description));
      if (ingress)
        add({PlannedDevice{{}, ep.cgroup->relative, i, false, false}, net::TcHook::ingress, true, false,
             fmt::format("cgroup {} ingress (socket receive path)", ep.cgroup->relative), ep.owner, ep.owner_name,
             ep.cgroup->id, ep.cgroup->path});
      if (!egress) continue;
    }
    if (!ep.device) return fail(ep.device.error());
    const DeviceFacts& dev = *ep.device;
    const PlannedDevice own{dev.key, dev.name, i, false, false};
    if (egress)
      add({own, net::TcHook::egress, false, dev.has_mac_header, fmt::format("{} egress ({})", dev.name, ep.description),
           ep.owner, ep.owner_name, 0, {}});
    if (ingress && !spec.target.by_socket && !ingress_at_peer_egress(spec.action))
      add({own, net::TcHook::ingress, true, dev.has_mac_header,
           fmt::format("{} ingress ({})", dev.name, ep.description), ep.owner, ep.owner_name, 0, {}});
    if (ingress && !spec.target.by_socket && ingress_at_peer_egress(spec.action)) {
      // EDT works at egress only: delay what reaches the target on its veth
      // peer's egress.
      if (!ep.peer) return fail_errno(EINVAL, fmt::format("{}: the veth peer was not read", ep.description));
      if (!*ep.peer)
        return fail(ep.peer->error().wrap(fmt::format("direction ingress with delay on {} ({})", dev.name,
                                                      ep.description)));
      const DeviceFacts& peer = **ep.peer;
      add({PlannedDevice{peer.key, peer.name, i, true, false}, net::TcHook::egress, true, peer.has_mac_header,
           fmt::format("{} ingress via peer {} egress ({})", dev.name, peer.name, ep.description), ep.owner,
           ep.owner_name, 0, {}});
    }
  }
  return out;
}

Result<void> FaultPlanner::check_conflicts(const FaultSpec& spec, const std::vector<Site>& sites,
                                           const InstalledState& installed) {
  for (const auto& site : sites) {
    for (const auto& att : installed.attachments) {
      if (att.device != site.device.key || att.hook != site.hook || att.cgroup_id != site.cgroup_id) continue;
      if (att.peer_is_src == site.peer_is_src && att.slots.size() >= SEISMO_FAULTS_PER_ATTACH)
        return fail_errno(ENOSPC, fmt::format("{}: already has {} faults (the limit per device and direction)",
                                              site.where, SEISMO_FAULTS_PER_ATTACH));
      std::vector<PlacedFault> placed;
      for (uint32_t slot : att.slots)
        for (const auto& f : installed.faults)
          if (f.slot == slot) placed.push_back({f.name, &f.spec});
      if (auto other = conflicting_fault(spec, placed)) {
        const char* why = nullptr;
        for (const auto& p : placed)
          if (p.name == *other) why = conflict_reason(spec.action, p.spec->action);
        return fail_errno(EEXIST, fmt::format("conflicts with fault '{}' on {}: {} (give them disjoint filters, or "
                                              "remove '{}'; see docs/faults.md, Composition)",
                                              *other, site.where, why ? why : "the two kinds do not compose", *other));
      }
    }
  }
  return {};
}

Result<FaultPlan> FaultPlanner::place(const FaultSpec& spec, uint32_t slot, const std::vector<Site>& sites,
                                      const InstalledState& installed) const {
  FaultPlan plan;
  plan.name = spec.name;
  plan.slot = slot;
  if (spec.action == Action::delay) plan.fq = fq_options_for(spec, delay_rate_pps_);
  if (spec.action == Action::bandwidth && spec.bandwidth.mode == BandwidthMode::shape)
    plan.fq = fq_options_for_shaping(spec.bandwidth);
  std::set<uint32_t> taken;
  for (const auto& a : installed.attachments) taken.insert(a.attach_id);
  for (const auto& site : sites) {
    if (!site.cgroup_id && !plan.device(site.device.key)) plan.devices.push_back(site.device);
    PlannedAttachment att;
    att.device = site.device.key;
    att.hook = site.hook;
    att.peer_is_src = site.peer_is_src;
    att.mac_header_len = site.has_mac_header ? 14U : 0U;
    att.where = site.where;
    att.owner = site.owner;
    att.owner_name = site.owner_name;
    att.cgroup_id = site.cgroup_id;
    att.cgroup_path = site.cgroup_path;
    auto existing = std::find_if(installed.attachments.begin(), installed.attachments.end(), [&](const auto& a) {
      return a.device == site.device.key && a.hook == site.hook && a.peer_is_src == site.peer_is_src &&
             a.cgroup_id == site.cgroup_id;
    });
    if (existing != installed.attachments.end()) {
      att.attach_id = existing->attach_id;
      att.slots_before = existing->slots;
    } else {
      uint32_t id = 0;
      while (id < SEISMO_FAULT_ATTACH_SLOTS && taken.count(id)) ++id;
      if (id == SEISMO_FAULT_ATTACH_SLOTS)
        return fail_errno(ENOSPC, fmt::format("all {} attachment slots are in use", SEISMO_FAULT_ATTACH_SLOTS));
      taken.insert(id);
      att.attach_id = id;
      att.is_new = true;
    }
    att.slots_after = att.slots_before;
    att.slots_after.push_back(slot);
    plan.attachments.push_back(std::move(att));
  }
  return plan;
}

Result<FaultPlan> FaultPlanner::plan_add(const FaultSpec& spec, uint32_t slot, const WorldSnapshot& world) const {
  if (world.endpoints.empty()) return fail_errno(ESRCH, "target: resolves to no network namespace");
  auto s = sites(spec, world);
  if (!s) return fail(std::move(s).error());
  if (auto r = check_conflicts(spec, *s, world.installed); !r) return fail(std::move(r).error());
  auto plan = place(spec, slot, *s, world.installed);
  if (plan && spec.target.by_socket) plan->cgroup = world.endpoints.front().cgroup;
  return plan;
}

Result<FaultPlan> FaultPlanner::plan_extend(const std::string& name, const WorldSnapshot& world) const {
  const LiveFault* fault = world.installed.fault(name);
  if (!fault) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  auto s = sites(fault->spec, world);
  if (!s) return fail(std::move(s).error());
  if (auto r = check_conflicts(fault->spec, *s, world.installed); !r) return fail(std::move(r).error());
  auto plan = place(fault->spec, fault->slot, *s, world.installed);
  if (plan) plan->new_fault = false;
  return plan;
}

}  // namespace seismo::chaos
