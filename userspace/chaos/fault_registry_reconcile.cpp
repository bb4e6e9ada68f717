// Start-up reconciliation and shutdown: what a previous daemon left in the
// kernel is adopted (faults still running) or removed (expired, unknown).
#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "chaos/fault_peers.h"
#include "chaos/fault_registry.h"
#include "chaos/guard_tracing.h"
#include "chaos/monotonic_clock.h"
#include "chaos/stranded_programs.h"
#include "common/log.h"
#include "net/link_info.h"
#include "net/netns_census.h"

namespace seismo::chaos {

using nlohmann::json;

// Bound on the network namespaces a start-up sweep for unrecorded filters
// searches (a node runs a few hundred pods at most).
constexpr size_t kMaxSweptNamespaces = 4096;

void FaultRegistry::reconcile(const EngineState& state, ReconcileReport& report) {
  const bool same_boot = !state.boot_id.empty() && state.boot_id == boot_id_;
  const uint64_t now = monotonic_now_ns();
  next_generation_ = std::max(next_generation_, state.next_generation);

  // Faults: adopt the ones the kernel still applies, as recorded.
  for (const auto& rec : state.faults) {
    auto spec = parse_fault_spec(rec.spec);
    const std::string name = spec ? spec->name : rec.spec.value("name", "?");
    auto cfg = maps_->read_cfg(rec.placement.slot);
    const bool live = same_boot && spec && cfg && cfg->generation == rec.placement.generation &&
                      cfg->expires_ns == rec.placement.expires_mono_ns && rec.placement.expires_mono_ns > now &&
                      rec.placement.slot < SEISMO_FAULT_SLOTS && !faults_.count(name);
    if (!live) {
      report.expired_removed.push_back(name);
      continue;
    }
    RunningFault f;
    f.spec = std::move(*spec);
    f.at = rec.placement;
    faults_.emplace(name, std::move(f));
    report.adopted.push_back(name);
  }

  std::set<uint32_t> seen_programs;
  reconcile_devices(state, report, seen_programs);
  for (uint32_t prog : reconcile_cgroup_links(report)) seen_programs.insert(prog);

  // Faults whose devices are all gone apply nowhere: drop them too.
  for (auto it = faults_.begin(); it != faults_.end();) {
    std::erase_if(it->second.at.attach_ids, [&](uint32_t id) { return !attachments_.count(id); });
    if (it->second.at.attach_ids.empty()) {
      report.expired_removed.push_back(it->first);
      std::erase(report.adopted, it->first);
      it = faults_.erase(it);
    } else {
      ++it;
    }
  }
  reconcile_maps(now, report);
  // The guards' programs hold no tc filter: never orphans (listed before a
  // removal, as a removed link's program lingers for a moment).
  for (uint32_t prog : guard_tracing_program_ids(paths_.pin_dir)) seen_programs.insert(prog);
  reconcile_guards(report);

  // Programs of ours still loaded that no recorded device holds: attached
  // to devices we have no record of (a lost or corrupt state file). Their
  // faults are cleared above; find their filters and remove them.
  sweep_orphans(seen_programs, report);
  if (report.orphan_programs)
    log::warn("fault reconciliation: {} seismo fault program(s) are still loaded but no filter of theirs was found "
              "in the {} network namespace(s) seismod can reach; their faults are cleared so they pass all traffic. "
              "`tc filter show` names them seismo-fault-N (pref 1)",
              report.orphan_programs, report.namespaces_swept);
  if (!report.adopted.empty() || !report.expired_removed.empty() || report.filters_removed ||
      report.unknown_slots_cleared || report.stale_peers_removed || report.devices_restored)
    log::info("fault reconciliation: adopted {} ({}), removed {} ended ({}), {} filter(s) removed, {} unknown "
              "slot(s), {} device(s) restored, {} gone",
              report.adopted.size(), fmt::join(report.adopted, ", "), report.expired_removed.size(),
              fmt::join(report.expired_removed, ", "), report.filters_removed, report.unknown_slots_cleared,
              report.devices_restored, report.devices_gone);
  for (const auto& e : report.errors) log::warn("fault reconciliation: {}", e);
}

// Devices: keep attachments that carry an adopted fault; remove the rest
// and any seismo-tagged filter nobody recorded.
void FaultRegistry::reconcile_devices(const EngineState& state, ReconcileReport& report,
                                      std::set<uint32_t>& seen_programs) {
  for (const auto& rec : state.devices) {
    auto dev = HookedDevice::adopt(rec);
    if (!dev) {
      ++report.devices_gone;
      continue;
    }
    std::set<uint32_t> kept;
    for (const auto& a : rec.attachments) {
      std::vector<uint32_t> slots;
      for (const auto& [name, f] : faults_)
        if (std::find(f.at.attach_ids.begin(), f.at.attach_ids.end(), a.attach_id) != f.at.attach_ids.end())
          slots.push_back(f.at.slot);
      if (slots.empty() || attachments_.count(a.attach_id)) continue;
      attachments_[a.attach_id] = Attachment{rec.key, a.hook, a.peer_is_src, slots};
      kept.insert(a.attach_id);
    }
    // List first: a removed filter's program lingers in the kernel for a
    // moment, and must not be mistaken for an orphan below.
    auto tagged = (*dev)->tagged_filters();
    if (!tagged) report.errors.push_back(tagged.error().message());
    std::set<uint32_t> detached;
    for (const auto& a : rec.attachments) {
      if (kept.count(a.attach_id)) continue;
      if (auto r = (*dev)->detach(a.attach_id); !r) report.errors.push_back(r.error().message());
      else ++report.filters_removed;
      detached.insert(a.attach_id);
    }
    for (const auto& [hook, filter] : tagged ? *tagged : std::vector<std::pair<net::TcHook, net::TcFilter>>{}) {
      seen_programs.insert(filter.prog_id);
      const bool ours = (filter.handle & 0xffff0000) == kFilterHandleBase;
      const uint32_t id = filter.handle & 0xffff;
      if (ours && (kept.count(id) || detached.count(id))) continue;
      if (auto r = (*dev)->remove_filter(hook, filter); !r) report.errors.push_back(r.error().message());
      else ++report.filters_removed;
    }
    const DeviceKey key = rec.key;
    devices_.emplace(key, std::move(*dev));
    if (kept.empty()) ++report.devices_restored;
    tidy_device(key);
  }
}

// Cgroup links (target.by: socket), found by their pins: kept when an
// adopted fault lists the attachment, detached otherwise. Returns the
// programs they run (kept or just detached: neither is an orphan).
std::vector<uint32_t> FaultRegistry::reconcile_cgroup_links(ReconcileReport& report) {
  std::vector<uint32_t> programs;
  for (uint32_t id : CgroupLink::pinned(paths_.pin_dir)) {
    auto link = CgroupLink::adopt(paths_.pin_dir, id);
    if (!link) {
      report.errors.push_back(link.error().message());
      (void)std::filesystem::remove(CgroupLink::pin_path(paths_.pin_dir, id));
      continue;
    }
    programs.push_back((*link)->program_id());
    std::vector<uint32_t> slots;
    for (const auto& [name, f] : faults_)
      if (std::find(f.at.attach_ids.begin(), f.at.attach_ids.end(), id) != f.at.attach_ids.end())
        slots.push_back(f.at.slot);
    if (!slots.empty() && id < SEISMO_FAULT_ATTACH_SLOTS && !attachments_.count(id)) {
      attachments_[id] = Attachment{{}, net::TcHook::ingress, true, slots, (*link)->cgroup_id()};
      cgroup_links_[id] = std::move(*link);
      continue;
    }
    if (auto r = (*link)->detach(); !r) report.errors.push_back(r.error().message());
    else ++report.filters_removed;
  }
  return programs;
}

// Kernel maps: exactly the adopted faults and attachments, nothing else.
void FaultRegistry::reconcile_maps(uint64_t now, ReconcileReport& report) {
  for (uint32_t slot = 0; slot < SEISMO_FAULT_SLOTS; ++slot) {
    bool owned = std::any_of(faults_.begin(), faults_.end(), [&](const auto& kv) { return kv.second.at.slot == slot; });
    if (owned) continue;
    auto cfg = maps_->read_cfg(slot);
    if (cfg && cfg->expires_ns != 0) {
      if (cfg->expires_ns > now) ++report.unknown_slots_cleared;
      (void)maps_->clear_cfg(slot);
    }
  }
  // Peer prefixes: exactly the adopted faults' recorded ones. Others are
  // of slots no fault owns or of an earlier generation (a crash that lost
  // the state file; they never match, but a stale longer prefix would hide
  // a live shorter one from the lookup, and they fill the trie), or were
  // written by a live peer change the crash kept from being saved.
  std::set<std::pair<std::string, uint64_t>> wanted;
  auto bytes = [](const fault_peer_key& k) { return std::string(reinterpret_cast<const char*>(&k), sizeof(k)); };
  for (const auto& [name, f] : faults_)
    for (const auto& c : f.spec.filter.cidrs) wanted.emplace(bytes(peer_key(f.at.slot, c)), f.at.generation);
  report.stale_peers_removed += maps_->purge_peers(
      [&](const fault_peer_key& key, uint64_t generation) { return wanted.count({bytes(key), generation}) != 0; });
  for (uint32_t id = 0; id < SEISMO_FAULT_ATTACH_SLOTS; ++id) {
    if (attachments_.count(id)) {
      (void)write_attach(id);
      continue;
    }
    auto att = maps_->read_attach(id);
    if (att && att->count) (void)maps_->write_attach(id, fault_attach{});
  }
}

// Guards: a guard and owner listings for exactly the adopted guarded
// faults; their TCP counters kept (or attached again) while one is left.
void FaultRegistry::reconcile_guards(ReconcileReport& report) {
  std::set<uint32_t> guarded;
  for (const auto& [name, f] : faults_)
    if (this->guarded(f)) guarded.insert(f.at.slot);
  for (uint32_t slot = 0; slot < SEISMO_FAULT_SLOTS; ++slot) {
    if (guarded.count(slot)) continue;
    auto g = maps_->read_guard(slot);
    if (g && g->generation != 0) (void)maps_->clear_guard(slot);
  }
  report.guard_owners_removed += maps_->purge_guard_owners([&](uint32_t slot) { return guarded.count(slot) != 0; });
  const bool pinned = guard_tracing_pinned(paths_.pin_dir);
  if (guarded.empty()) {
    if (pinned || !guard_tracing_pins_absent()) {
      if (auto r = remove_guard_tracing(paths_.pin_dir); !r) report.errors.push_back(r.error().message());
      else report.guard_tracing = "removed";
    }
    return;
  }
  auto status = ensure_guard_tracing(paths_.pin_dir);
  if (!status) {
    report.errors.push_back(status.error().wrap("guards: attach the TCP counters").message());
    return;
  }
  report.guard_tracing = pinned ? "adopted" : "attached";
}

void FaultRegistry::sweep_orphans(const std::set<uint32_t>& recorded_programs, ReconcileReport& report) {
  std::set<uint32_t> orphans;
  for (uint32_t id : maps_->program_ids())
    if (!recorded_programs.count(id)) orphans.insert(id);
  // A previous daemon whose pins were lost too left programs on maps we
  // cannot open by path: they carry our instance tag (chaos_object.cpp).
  auto stranded = find_stranded_programs(paths_.pin_dir, maps_->cfg_map_id());
  if (!stranded.error.empty()) report.errors.push_back(stranded.error);
  orphans.insert(stranded.programs.begin(), stranded.programs.end());
  if (orphans.empty()) return;
  // A filter is ours when it carries our tag and runs a program that uses
  // our pinned maps: another seismod (another bpffs) is never touched.
  auto census = net::reachable_namespaces({paths_.node_netns_path}, kMaxSweptNamespaces);
  report.namespaces_swept = census.namespaces.size();
  if (census.truncated)
    report.errors.push_back(fmt::format("orphan sweep stopped after {} network namespaces", kMaxSweptNamespaces));
  std::set<uint32_t> found;
  for (const auto& ns : census.namespaces) {
    auto sock = net::NetlinkSocket::open_in(ns);
    if (!sock) continue;
    auto links = net::list_links(*sock);
    if (!links) continue;
    for (const auto& link : *links) {
      size_t removed = 0, others = 0;
      for (auto hook : {net::TcHook::ingress, net::TcHook::egress}) {
        auto filters = net::list_filters(*sock, link.ifindex, hook);
        if (!filters) continue;
        for (const auto& f : *filters) {
          const bool ours = f.kind == "bpf" && f.bpf_name.rfind(kFilterNamePrefix, 0) == 0 &&
                            (f.handle & 0xffff0000) == kFilterHandleBase && orphans.count(f.prog_id);
          if (!ours) {
            ++others;
            continue;
          }
          if (auto r = net::detach_filter(*sock, link.ifindex, hook, f.priority, f.handle); !r) {
            report.errors.push_back(r.error().wrap(fmt::format("remove orphan filter on {}", link.name)).message());
            ++others;
            continue;
          }
          found.insert(f.prog_id);
          ++removed;
          ++report.filters_removed;
          log::info("fault reconciliation: removed orphan filter {} from {} (netns {})", f.bpf_name, link.name,
                    ns.path());
        }
      }
      if (!removed) continue;
      ++report.devices_restored;
      // With no record, what was there before is unknown: an emptied clsact
      // and our fq ("5e15:") go, so the kernel's defaults come back.
      if (!others) (void)net::delete_clsact(*sock, link.ifindex);
      if (auto root = net::root_qdisc(*sock, link.ifindex); root && *root && (*root)->kind == "fq" &&
                                                             (*root)->handle == kFqHandle)
        (void)net::delete_root_qdisc(*sock, link.ifindex);
    }
  }
  report.orphan_programs = orphans.size() - std::min(orphans.size(), found.size());
}

}  // namespace seismo::chaos
