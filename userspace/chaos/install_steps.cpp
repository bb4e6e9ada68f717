#include "chaos/install_steps.h"

#include <algorithm>

#include "chaos/chaos_object.h"
#include "chaos/fault_registry.h"
#include "chaos/guard_tracing.h"
#include "common/log.h"

namespace seismo::chaos {

namespace {

void warn_if_failed(const Result<void>& r, const char* undoing) {
  if (!r) log::warn("undo {}: {}", undoing, r.error().message());
}

}  // namespace

fault_attach attach_list(const std::vector<uint32_t>& slots) {
  fault_attach att{};
  att.count = static_cast<uint32_t>(std::min<size_t>(slots.size(), SEISMO_FAULTS_PER_ATTACH));
  for (uint32_t i = 0; i < att.count; ++i) att.slots[i] = slots[i];
  return att;
}

void InstallStep::keep(FaultRegistry& /*registry*/) { kept_ = true; }

StateRewrite::~StateRewrite() {
  if (!kept()) (void)registry_.save();
}

Result<std::unique_ptr<MapsLease>> MapsLease::take(FaultRegistry& registry) {
  auto created = registry.ensure_maps();
  if (!created) return fail(std::move(created).error());
  return std::unique_ptr<MapsLease>(new MapsLease(registry, *created));
}

MapsLease::~MapsLease() {
  if (!kept() && created_) registry_.release_maps_if_idle();
}

Result<std::unique_ptr<WrittenPeers>> WrittenPeers::write(FaultMaps& maps, uint32_t slot, uint64_t generation,
                                                          const std::vector<Cidr>& cidrs) {
  // Owned before writing: a write that stops halfway is undone too.
  std::unique_ptr<WrittenPeers> step(new WrittenPeers(maps, slot, cidrs));
  if (auto r = maps.write_peers(slot, generation, cidrs); !r) return fail(std::move(r).error());
  return step;
}

WrittenPeers::~WrittenPeers() {
  if (!kept()) warn_if_failed(maps_.delete_peers(slot_, cidrs_), "fault_peers");
}

Result<std::unique_ptr<WrittenConfig>> WrittenConfig::write(FaultMaps& maps, uint32_t slot, const fault_cfg& cfg) {
  if (auto r = maps.reset_counters(slot); !r) return fail(std::move(r).error());
  std::unique_ptr<WrittenConfig> step(new WrittenConfig(maps, slot));
  if (auto r = maps.write_cfg(slot, cfg); !r) return fail(std::move(r).error());
  return step;
}

WrittenConfig::~WrittenConfig() {
  if (!kept()) warn_if_failed(maps_.clear_cfg(slot_), "fault_cfg");
}

Result<std::unique_ptr<WrittenGuard>> WrittenGuard::write(FaultMaps& maps, uint32_t slot, const fault_guard& guard) {
  std::unique_ptr<WrittenGuard> step(new WrittenGuard(maps, slot));
  if (auto r = maps.write_guard(slot, guard); !r) return fail(std::move(r).error());
  return step;
}

WrittenGuard::~WrittenGuard() {
  if (!kept()) warn_if_failed(maps_.clear_guard(slot_), "fault_guards");
}

Result<std::unique_ptr<ListedGuardOwners>> ListedGuardOwners::write(FaultMaps& maps, uint32_t slot,
                                                                    const std::vector<fault_guard_owner_key>& owners) {
  std::unique_ptr<ListedGuardOwners> step(new ListedGuardOwners(maps, slot));
  const auto before = maps.guard_owners();
  for (const auto& owner : owners) {
    const bool listed = std::any_of(before.begin(), before.end(), [&](const auto& kv) {
      return kv.first.kind == owner.kind && kv.first.id == owner.id &&
             std::find(kv.second.slots, kv.second.slots + std::min<uint32_t>(kv.second.count, SEISMO_FAULTS_PER_ATTACH),
                       slot) != kv.second.slots + std::min<uint32_t>(kv.second.count, SEISMO_FAULTS_PER_ATTACH);
    });
    if (auto r = maps.add_guard_owner(owner, slot); !r) return fail(std::move(r).error());
    if (!listed) step->added_.push_back(owner);
  }
  return step;
}

ListedGuardOwners::~ListedGuardOwners() {
  if (kept()) return;
  for (const auto& owner : added_) warn_if_failed(maps_.remove_guard_owner(owner, slot_), "fault_guard_owners");
}

Result<std::unique_ptr<AttachedGuardTracing>> AttachedGuardTracing::ensure(const std::string& pin_dir) {
  const bool pinned = guard_tracing_pinned(pin_dir);
  auto status = ensure_guard_tracing(pin_dir);
  if (!status) return fail(std::move(status).error().wrap("guard: attach the TCP counters"));
  if (!pinned) log::info("guards: TCP counters attached ({})", status->flavour);
  return std::unique_ptr<AttachedGuardTracing>(new AttachedGuardTracing(pin_dir, !pinned));
}

AttachedGuardTracing::~AttachedGuardTracing() {
  if (!kept() && attached_now_) warn_if_failed(remove_guard_tracing(pin_dir_), "guard TCP counters");
}

Result<std::unique_ptr<OpenedDevice>> OpenedDevice::open(net::Netns netns, const net::LinkInfo& link) {
  auto dev = HookedDevice::open(std::move(netns), link);
  if (!dev) return fail(std::move(dev).error());
  return std::unique_ptr<OpenedDevice>(new OpenedDevice(std::move(*dev)));
}

void OpenedDevice::keep(FaultRegistry& registry) {
  InstallStep::keep(registry);
  registry.adopt_device(std::move(device_));
}

Result<std::unique_ptr<AttachedFilter>> AttachedFilter::attach(HookedDevice& device, FaultMaps& maps,
                                                               const std::string& pin_dir,
                                                               const PlannedAttachment& att) {
  ChaosProgramConfig pc{att.attach_id, att.hook, att.mac_header_len, att.peer_is_src};
  auto prog = ChaosObject::load_program(pin_dir, pc);
  if (!prog) return fail(std::move(prog).error());
  // An empty list first: the program passes everything until the slots are
  // written (a stale list from an earlier user of the id applies nothing).
  if (auto r = maps.write_attach(att.attach_id, fault_attach{}); !r) return fail(std::move(r).error());
  if (auto r = device.attach({att.attach_id, att.hook, att.peer_is_src}, (*prog)->program_fd()); !r)
    return fail(std::move(r).error());
  return std::unique_ptr<AttachedFilter>(new AttachedFilter(device, att.attach_id));
}

AttachedFilter::~AttachedFilter() {
  if (!kept()) warn_if_failed(device_.detach(attach_id_), "tc filter");
}

Result<std::unique_ptr<AttachedCgroupLink>> AttachedCgroupLink::attach(FaultMaps& maps, const std::string& pin_dir,
                                                                       const PlannedAttachment& att) {
  // An empty list first, as for a tc filter.
  if (auto r = maps.write_attach(att.attach_id, fault_attach{}); !r) return fail(std::move(r).error());
  auto link = CgroupLink::attach(pin_dir, att.attach_id, att.cgroup_path);
  if (!link) return fail(std::move(link).error());
  return std::unique_ptr<AttachedCgroupLink>(new AttachedCgroupLink(std::move(*link), att.attach_id));
}

void AttachedCgroupLink::keep(FaultRegistry& registry) {
  InstallStep::keep(registry);
  registry.adopt_cgroup_link(attach_id_, std::move(link_));
}

AttachedCgroupLink::~AttachedCgroupLink() {
  if (!kept() && link_) warn_if_failed(link_->detach(), "cgroup link");
}

Result<std::unique_ptr<InstalledFq>> InstalledFq::ensure(HookedDevice& device, const net::FqOptions& wanted) {
  const bool ours_before = device.record().fq_installed;
  std::unique_ptr<InstalledFq> step(new InstalledFq(device, ours_before));
  if (auto r = device.ensure_fq(wanted); !r) return fail(std::move(r).error());
  return step;
}

InstalledFq::~InstalledFq() {
  if (!kept() && !ours_before_) warn_if_failed(device_.release_fq(), "fq");
}

Result<std::unique_ptr<WrittenAttachList>> WrittenAttachList::write(FaultMaps& maps, uint32_t attach_id,
                                                                    const std::vector<uint32_t>& before,
                                                                    const std::vector<uint32_t>& after) {
  if (auto r = maps.write_attach(attach_id, attach_list(after)); !r) return fail(std::move(r).error());
  return std::unique_ptr<WrittenAttachList>(new WrittenAttachList(maps, attach_id, before));
}

WrittenAttachList::~WrittenAttachList() {
  if (!kept()) warn_if_failed(maps_.write_attach(attach_id_, attach_list(before_)), "fault_attach");
}

}  // namespace seismo::chaos
