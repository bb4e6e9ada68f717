#include "chaos/fault_installer.h"

#include <fmt/format.h>

#include "chaos/duration.h"
#include "chaos/fault_encoding.h"
#include "chaos/install_transaction.h"
#include "chaos/monotonic_clock.h"

namespace seismo::chaos {

Result<void> FaultInstaller::step(std::string_view name) {
  if (!gate_) return {};
  return gate_(name);
}

EngineState FaultInstaller::state_with(const std::vector<HookedDevice*>& opened) const {
  EngineState st = registry_.state();
  for (auto* dev : opened) st.devices.push_back(dev->record());
  return st;
}

void FaultInstaller::checkpoint(const std::vector<HookedDevice*>& opened) { (void)registry_.write(state_with(opened)); }

Result<HookedDevice*> FaultInstaller::device_for(const PlannedAttachment& att, const FaultPlan& plan,
                                                 std::vector<EndpointHandles>& handles, InstallTransaction& txn,
                                                 std::vector<HookedDevice*>& opened) {
  if (HookedDevice* dev = registry_.device(att.device)) return dev;
  for (auto* dev : opened)
    if (dev->key() == att.device) return dev;
  const PlannedDevice* planned = plan.device(att.device);
  if (!planned || planned->endpoint >= handles.size())
    return fail_errno(EINVAL, fmt::format("{}: no planned device", att.where));
  EndpointHandles& h = handles[planned->endpoint];
  const auto& ns = planned->via_peer ? h.peer_netns : h.netns;
  const auto& link = planned->via_peer ? h.peer_link : h.link;
  if (!ns || !link) return fail_errno(EINVAL, fmt::format("{}: the device was not read", att.where));
  if (auto r = step("open device"); !r) return fail(std::move(r).error());
  auto dup = ns->duplicate();
  if (!dup) return fail(std::move(dup).error());
  auto dev = OpenedDevice::open(std::move(*dup), *link);
  if (!dev) return fail(std::move(dev).error());
  HookedDevice& ref = txn.add(std::move(*dev)).device();
  opened.push_back(&ref);
  return &ref;
}

Result<void> FaultInstaller::attach(const PlannedAttachment& att, const FaultPlan& plan, const RunningFault& fault,
                                    std::vector<EndpointHandles>& handles, InstallTransaction& txn,
                                    std::vector<HookedDevice*>& opened) {
  FaultMaps& maps = *registry_.maps();
  if (att.cgroup_id) {
    if (att.is_new) {
      if (auto r = step("attach cgroup program"); !r) return r;
      auto link = AttachedCgroupLink::attach(maps, pin_dir_, att);
      if (!link) return fail(std::move(link).error());
      txn.add(std::move(*link));
    }
    if (auto r = step("write attach list"); !r) return r;
    auto list = WrittenAttachList::write(maps, att.attach_id, att.slots_before, att.slots_after);
    if (!list) return fail(std::move(list).error());
    txn.add(std::move(*list));
    return {};
  }
  auto dev = device_for(att, plan, handles, txn, opened);
  if (!dev) return fail(std::move(dev).error());
  if (att.is_new) {
    if (auto r = step("attach filter"); !r) return r;
    auto filter = AttachedFilter::attach(**dev, maps, pin_dir_, att);
    if (!filter) return fail(std::move(filter).error());
    txn.add(std::move(*filter));
    checkpoint(opened);
  }
  if (plan.fq) {
    if (auto r = step("install fq"); !r) return r;
    auto fq = InstalledFq::ensure(**dev, *plan.fq);
    if (!fq) return fail(std::move(fq).error());
    txn.add(std::move(*fq));
    const uint64_t horizon_ns = uint64_t{(*dev)->fq_horizon_us()} * 1000;
    const uint64_t wanted_ns = fault.spec.delay.latency_ns + fault.spec.delay.jitter_ns;
    if (wanted_ns > horizon_ns)
      return fail_errno(EINVAL, fmt::format("delay.latency: latency + jitter ({}) is beyond the horizon ({}) of "
                                            "the fq qdisc already on {}",
                                            format_duration(wanted_ns), format_duration(horizon_ns), att.where));
  }
  if (auto r = step("write attach list"); !r) return r;
  auto list = WrittenAttachList::write(maps, att.attach_id, att.slots_before, att.slots_after);
  if (!list) return fail(std::move(list).error());
  txn.add(std::move(*list));
  checkpoint(opened);
  return {};
}

// A guarded fault: its guard (a new fault), its owners and the TCP
// counters, all before the cfg goes live.
Result<void> FaultInstaller::install_guard(const FaultPlan& plan, const RunningFault& fault, InstallTransaction& txn) {
  FaultMaps& maps = *registry_.maps();
  if (plan.new_fault) {
    if (auto r = step("write guard"); !r) return r;
    auto guard = WrittenGuard::write(maps, plan.slot,
                                     encode_fault_guard(fault.spec.guard, fault.at.generation, monotonic_now_ns()));
    if (!guard) return fail(std::move(guard).error());
    txn.add(std::move(*guard));
  }
  if (auto r = step("write guard owners"); !r) return r;
  auto owners = ListedGuardOwners::write(maps, plan.slot, plan.guard_owners);
  if (!owners) return fail(std::move(owners).error());
  txn.add(std::move(*owners));
  if (auto r = step("attach guard counters"); !r) return r;
  auto tracing = AttachedGuardTracing::ensure(pin_dir_);
  if (!tracing) return fail(std::move(tracing).error());
  txn.add(std::move(*tracing));
  return {};
}

Result<void> FaultInstaller::install(const FaultPlan& plan, std::vector<EndpointHandles>& handles,
                                     const RunningFault& fault, const std::string& label) {
  InstallTransaction txn;
  txn.add(std::make_unique<StateRewrite>(registry_));
  std::vector<HookedDevice*> opened;
  if (auto r = step("prepare maps"); !r) return fail(std::move(r).error().wrap("prepare the fault maps"));
  auto lease = MapsLease::take(registry_);
  if (!lease) return fail(std::move(lease).error().wrap("prepare the fault maps"));
  txn.add(std::move(*lease));
  if (!fault.spec.guard.empty())
    if (auto r = install_guard(plan, fault, txn); !r) return fail(std::move(r).error().wrap(label));
  if (plan.new_fault) {
    if (!fault.spec.filter.cidrs.empty()) {
      if (auto r = step("write peers"); !r) return fail(std::move(r).error().wrap(label));
      auto peers = WrittenPeers::write(*registry_.maps(), plan.slot, fault.at.generation, fault.spec.filter.cidrs);
      if (!peers) return fail(std::move(peers).error().wrap(label));
      txn.add(std::move(*peers));
    }
    if (auto r = step("write fault config"); !r) return fail(std::move(r).error().wrap(label));
    fault_cfg encoded = encode_fault_cfg(fault.spec, fault.at.expires_mono_ns, fault.at.generation);
    if (plan.cgroup) {
      encoded.cgroup_id = plan.cgroup->id;
      encoded.cgroup_level = plan.cgroup->level;
    }
    auto cfg = WrittenConfig::write(*registry_.maps(), plan.slot, encoded);
    if (!cfg) return fail(std::move(cfg).error().wrap(label));
    txn.add(std::move(*cfg));
  }
  for (const auto& att : plan.attachments)
    if (auto r = attach(att, plan, fault, handles, txn, opened); !r) return fail(std::move(r).error().wrap(label));

  // A fault the state file does not know would outlive a crash unseen: it
  // is kept only once saved.
  EngineState st = state_with(opened);
  std::erase_if(st.faults, [&](const FaultRecord& r) { return r.spec.value("name", "") == fault.spec.name; });
  st.faults.push_back({to_json(fault.spec), fault.at});
  auto saved = step("save state");
  if (saved) saved = registry_.write(st);
  if (!saved) return fail(std::move(saved).error().wrap(label + " rolled back: its state cannot be saved"));

  txn.commit(registry_);
  for (const auto& att : plan.attachments)
    registry_.set_attachment(att.attach_id,
                             Attachment{att.device, att.hook, att.peer_is_src, att.slots_after, att.cgroup_id});
  registry_.put(fault);
  registry_.publish();
  return {};
}

}  // namespace seismo::chaos
