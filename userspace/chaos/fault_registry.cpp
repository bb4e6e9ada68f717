#include "chaos/fault_registry.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "chaos/bpffs.h"
#include "chaos/duration.h"
#include "chaos/guard_tracing.h"
#include "chaos/monotonic_clock.h"
#include "common/log.h"

namespace seismo::chaos {

FaultRegistry::FaultRegistry(RegistryPaths paths) : paths_(std::move(paths)), boot_id_(current_boot_id()) {}

FaultRegistry::~FaultRegistry() { shutdown(); }

Result<bool> FaultRegistry::ensure_maps() {
  if (maps_) return false;
  auto mounted = ensure_bpffs(paths_.bpffs);
  if (!mounted) return fail(std::move(mounted).error());
  if (*mounted) log::info("mounted a BPF filesystem on {}", paths_.bpffs);
  std::error_code ec;
  std::filesystem::create_directories(paths_.pin_dir, ec);
  if (ec) return fail_errno(ec.value(), "create pin directory " + paths_.pin_dir);
  auto maps = FaultMaps::open(paths_.pin_dir);
  if (!maps) return fail(std::move(maps).error());
  maps_ = std::move(*maps);
  return true;
}

void FaultRegistry::release_guard_tracing_if_unused() {
  if (std::any_of(faults_.begin(), faults_.end(), [this](const auto& kv) { return guarded(kv.second); })) return;
  if (!guard_tracing_pinned(paths_.pin_dir) && guard_tracing_pins_absent()) return;
  if (auto r = remove_guard_tracing(paths_.pin_dir); !r) log::warn("{}", r.error().message());
  else log::info("guards: TCP counters detached (no guarded fault left)");
}

bool FaultRegistry::guarded(const RunningFault& fault) const {
  if (!fault.spec.guard.empty()) return true;
  // An adopted fault whose saved spec lost its guard: the kernel knows.
  if (!maps_) return false;
  auto cfg = maps_->read_cfg(fault.at.slot);
  return cfg && cfg->generation == fault.at.generation && (cfg->flags & SEISMO_FAULT_F_GUARD);
}

bool FaultRegistry::guard_tracing_pins_absent() const {
  std::error_code ec;
  for (const auto& pin : guard_tracing_pins(paths_.pin_dir))
    if (std::filesystem::exists(pin, ec)) return false;
  return true;
}

void FaultRegistry::release_maps_if_idle() {
  release_guard_tracing_if_unused();
  if (!maps_ || !faults_.empty() || !attachments_.empty()) return;
  if (auto r = maps_->unpin(); !r) log::warn("{}", r.error().message());
  maps_.reset();
  std::error_code ec;
  std::filesystem::remove(paths_.pin_dir, ec);
  std::filesystem::remove(std::filesystem::path(paths_.pin_dir).parent_path(), ec);  // only if empty
  publish();
}

InstalledState FaultRegistry::installed() const {
  InstalledState out;
  for (const auto& [name, f] : faults_) out.faults.push_back({name, f.at.slot, f.spec, f.at.attach_ids});
  for (const auto& [id, a] : attachments_)
    out.attachments.push_back({id, a.device, a.hook, a.peer_is_src, a.slots, a.cgroup_id});
  return out;
}

RunningFault* FaultRegistry::find(const std::string& name) {
  auto it = faults_.find(name);
  return it == faults_.end() ? nullptr : &it->second;
}

HookedDevice* FaultRegistry::device(const DeviceKey& key) {
  auto it = devices_.find(key);
  return it == devices_.end() ? nullptr : it->second.get();
}

void FaultRegistry::adopt_device(std::unique_ptr<HookedDevice> device) {
  const DeviceKey key = device->key();
  devices_[key] = std::move(device);
}

void FaultRegistry::adopt_cgroup_link(uint32_t attach_id, std::unique_ptr<CgroupLink> link) {
  cgroup_links_[attach_id] = std::move(link);
}

void FaultRegistry::set_attachment(uint32_t attach_id, Attachment attachment) {
  attachments_[attach_id] = std::move(attachment);
}

void FaultRegistry::put(RunningFault fault) {
  const std::string name = fault.spec.name;
  faults_[name] = std::move(fault);
}

Result<void> FaultRegistry::write_attach(uint32_t attach_id) {
  fault_attach att{};
  if (auto it = attachments_.find(attach_id); it != attachments_.end()) {
    att.count = static_cast<uint32_t>(std::min<size_t>(it->second.slots.size(), SEISMO_FAULTS_PER_ATTACH));
    for (uint32_t i = 0; i < att.count; ++i) att.slots[i] = it->second.slots[i];
  }
  return maps_->write_attach(attach_id, att);
}

void FaultRegistry::drop_attachment_slot(uint32_t attach_id, uint32_t slot) {
  auto it = attachments_.find(attach_id);
  if (it == attachments_.end()) return;
  auto& slots = it->second.slots;
  slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
  if (!slots.empty()) {
    if (auto r = write_attach(attach_id); !r) log::warn("{}", r.error().message());
    return;
  }
  // Unlist first so the program passes everything, then detach it.
  if (auto r = maps_->write_attach(attach_id, fault_attach{}); !r) log::warn("{}", r.error().message());
  if (auto c = cgroup_links_.find(attach_id); c != cgroup_links_.end()) {
    if (auto r = c->second->detach(); !r) log::warn("{}", r.error().message());
    cgroup_links_.erase(c);
  } else if (auto d = devices_.find(it->second.device); d != devices_.end()) {
    if (auto r = d->second->detach(attach_id); !r) log::warn("{}", r.error().message());
  }
  attachments_.erase(it);
  broken_.erase(attach_id);
}

bool FaultRegistry::device_has_delay(const DeviceKey& key) const {
  for (const auto& [id, att] : attachments_) {
    if (att.device != key) continue;
    for (uint32_t slot : att.slots)
      for (const auto& [name, f] : faults_)
        if (f.at.slot == slot && (f.spec.action == Action::delay ||
                                  (f.spec.action == Action::bandwidth && f.spec.bandwidth.mode == BandwidthMode::shape)))
          return true;
  }
  return false;
}

void FaultRegistry::tidy_device(const DeviceKey& key) {
  auto it = devices_.find(key);
  if (it == devices_.end()) return;
  if (!it->second->has_attachments()) {
    if (auto r = it->second->restore(); !r) log::warn("restore {}: {}", it->second->describe(), r.error().message());
    it->second->release();
    devices_.erase(it);
  } else if (!device_has_delay(key)) {
    if (auto r = it->second->release_fq(); !r) log::warn("{}", r.error().message());
  }
}

void FaultRegistry::remove_fault(RunningFault& fault) {
  std::vector<DeviceKey> touched;
  for (uint32_t id : fault.at.attach_ids) {
    if (auto it = attachments_.find(id); it != attachments_.end()) touched.push_back(it->second.device);
    drop_attachment_slot(id, fault.at.slot);
  }
  fault.at.attach_ids.clear();
  const bool was_guarded = guarded(fault);
  if (auto r = maps_->clear_cfg(fault.at.slot); !r) log::warn("{}", r.error().message());
  if (was_guarded) {
    // After the cfg: no TCP event counts for the slot any more.
    const uint32_t slot = fault.at.slot;
    maps_->purge_guard_owners([slot](uint32_t s) { return s != slot; });
    if (auto r = maps_->clear_guard(slot); !r) log::warn("{}", r.error().message());
  }
  // After the cfg: the fault matches nothing any more, whatever the trie holds.
  if (auto r = maps_->delete_peers(fault.at.slot, fault.spec.filter.cidrs); !r) log::warn("{}", r.error().message());
  // The slot is listed nowhere now, so the fault no longer keeps fq alive.
  for (const auto& key : touched) tidy_device(key);
}

void FaultRegistry::remove(const std::string& name) {
  auto it = faults_.find(name);
  if (it == faults_.end()) return;
  remove_fault(it->second);
  faults_.erase(it);
  release_maps_if_idle();
  (void)save();
}

size_t FaultRegistry::remove_all() {
  const size_t n = faults_.size();
  if (maps_)
    for (auto& [name, f] : faults_) remove_fault(f);
  faults_.clear();
  release_maps_if_idle();
  (void)save();
  return n;
}

size_t FaultRegistry::drop_attachments(RunningFault& fault, const std::function<bool(uint32_t attach_id)>& drop) {
  std::vector<DeviceKey> touched;
  std::vector<uint32_t> kept_ids;
  std::vector<std::string> kept_where;
  const bool parallel = fault.at.endpoints.size() == fault.at.attach_ids.size();
  size_t dropped = 0;
  for (size_t i = 0; i < fault.at.attach_ids.size(); ++i) {
    const uint32_t id = fault.at.attach_ids[i];
    if (!drop(id)) {
      kept_ids.push_back(id);
      if (parallel) kept_where.push_back(fault.at.endpoints[i]);
      continue;
    }
    if (auto it = attachments_.find(id); it != attachments_.end()) touched.push_back(it->second.device);
    drop_attachment_slot(id, fault.at.slot);
    fault.at.owner_of_attach.erase(id);
    ++dropped;
  }
  fault.at.attach_ids = std::move(kept_ids);
  if (parallel) fault.at.endpoints = std::move(kept_where);
  std::erase_if(fault.at.owner_names, [&](const auto& kv) {
    return std::none_of(fault.at.owner_of_attach.begin(), fault.at.owner_of_attach.end(),
                        [&](const auto& a) { return a.second == kv.first; });
  });
  // A pod's device whose netns is gone: restore/detach warn and the
  // HookedDevice drops its netns fd, letting the kernel free the namespace.
  for (const auto& key : touched) tidy_device(key);
  return dropped;
}

EngineState FaultRegistry::state() const {
  EngineState st;
  st.boot_id = boot_id_;
  st.next_generation = next_generation_;
  for (const auto& [name, f] : faults_) st.faults.push_back({to_json(f.spec), f.at});
  for (const auto& [key, dev] : devices_) st.devices.push_back(dev->record());
  return st;
}

Result<void> FaultRegistry::write(const EngineState& st) {
  publish();
  if (st.faults.empty() && st.devices.empty()) {
    // Nothing to reconcile after a crash: no file (a daemon that never
    // applied a fault leaves nothing behind).
    std::error_code ec;
    std::filesystem::remove(paths_.state_file, ec);
    return {};
  }
  auto saved = save_engine_state(paths_.state_file, st);
  if (!saved) log::warn("{}", saved.error().message());
  return saved;
}

// Removes the faults whose time is up; returns when the next one ends (0: none).
uint64_t FaultRegistry::expire(uint64_t now) {
  uint64_t next = 0;
  std::vector<std::string> ended;
  for (const auto& [name, f] : faults_) {
    if (f.at.expires_mono_ns <= now) ended.push_back(name);
    else if (!next || f.at.expires_mono_ns < next) next = f.at.expires_mono_ns;
  }
  for (const auto& name : ended) {
    // The kernel stopped applying it at expires_mono_ns; this removes the
    // programs and qdiscs.
    remove_fault(faults_.at(name));
    faults_.erase(name);
    log::info("fault '{}' ended (duration reached)", name);
  }
  if (!ended.empty()) {
    release_maps_if_idle();
    (void)save();
  }
  return next;
}

void FaultRegistry::start_expiry() {
  expiry_ = std::thread([this] { expiry_loop(); });
}

void FaultRegistry::expiry_loop() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    const uint64_t now = monotonic_now_ns();
    uint64_t next = 0;
    // Nothing may end this thread but shutdown: an exception escaping it
    // would terminate the daemon with faults still attached.
    try {
      next = expire(now);
      if (!faults_.empty()) verify();
    } catch (const std::exception& e) {
      log::error("fault expiry: {}; retrying in 1 s", e.what());
      next = now + 1'000'000'000;
    }
    // Running faults: look at their tc state every few seconds (a filter
    // deleted underneath is reported, not silently counted as active).
    constexpr uint64_t kCheckEveryNs = 2'000'000'000;
    if (!faults_.empty() && (!next || next > now + kCheckEveryNs)) next = now + kCheckEveryNs;
    if (next) wake_.wait_for(lock, std::chrono::nanoseconds(next - now));
    else wake_.wait(lock);
  }
}

void FaultRegistry::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake_.notify_all();
  if (expiry_.joinable()) expiry_.join();
  std::lock_guard lock(mutex_);
  if (maps_)
    for (auto& [name, f] : faults_) remove_fault(f);
  faults_.clear();
  for (auto& [key, dev] : devices_) {
    if (auto r = dev->restore(); !r) log::warn("restore {}: {}", dev->describe(), r.error().message());
    dev->release();
  }
  devices_.clear();
  for (auto& [id, link] : cgroup_links_)
    if (auto r = link->detach(); !r) log::warn("{}", r.error().message());
  cgroup_links_.clear();
  attachments_.clear();
  release_maps_if_idle();
  std::error_code ec;
  std::filesystem::remove(paths_.state_file, ec);
  publish();
}

}  // namespace seismo::chaos
