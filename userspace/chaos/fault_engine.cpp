#include "chaos/fault_engine.h"
#include "chaos/stranded_programs.h"
#include "chaos/monotonic_clock.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "chaos/chaos_object.h"
#include "chaos/conflict_rule.h"
#include "chaos/duration.h"
#include "chaos/endpoint_selection.h"
#include "chaos/fault_encoding.h"
#include "common/log.h"
#include "doctor/doctor.h"
#include "chaos/bpffs.h"
#include "net/link_info.h"
#include "net/veth_peer.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// The device a fault on this endpoint uses when no interface is named.
Result<net::LinkInfo> pick_link(net::NetlinkSocket& sock, const Endpoint& ep) {
  if (!ep.interface.empty()) {
    auto link = net::find_link(sock, ep.interface);
    if (!link) return fail(std::move(link).error().wrap(fmt::format("target.interface ({})", ep.description)));
    return link;
  }
  auto links = net::list_links(sock);
  if (!links) return fail(std::move(links).error().wrap(ep.description));
  std::vector<net::LinkInfo> candidates;
  for (auto& l : *links)
    if (l.name != "lo") candidates.push_back(std::move(l));
  if (candidates.size() == 1) return std::move(candidates.front());
  std::string names;
  for (const auto& l : candidates) names += (names.empty() ? "" : ", ") + l.name;
  return fail_errno(EINVAL, fmt::format("target.interface: {} has {} devices besides lo ({}); name one",
                                        ep.description, candidates.size(), names.empty() ? "none" : names));
}

}  // namespace

nlohmann::json ReconcileReport::to_json() const {
  return {{"adopted", adopted},
          {"expired_removed", expired_removed},
          {"filters_removed", filters_removed},
          {"unknown_slots_cleared", unknown_slots_cleared},
          {"devices_restored", devices_restored},
          {"devices_gone", devices_gone},
          {"orphan_programs", orphan_programs},
          {"namespaces_swept", namespaces_swept},
          {"errors", errors}};
}

Result<std::unique_ptr<FaultEngine>> FaultEngine::create(FaultEngineConfig config,
                                                         std::unique_ptr<TargetResolver> resolver) {
  auto own = net::Netns::current();
  if (!own) return fail(std::move(own).error());
  HostNetns host = HostNetns::detect(*own, config.node_netns_path);
  std::unique_ptr<FaultEngine> engine(new FaultEngine(std::move(config), std::move(resolver), std::move(host)));
  if (auto r = engine->start(); !r) return fail(std::move(r).error().wrap("start the fault engine"));
  return engine;
}

Result<void> FaultEngine::start() {
  pin_dir_ = config_.bpffs + "/" + config_.pin_subdir;
  fq_available_ = doctor::probe_qdisc("fq") == 0;
  if (!fq_available_)
    log::warn("no fq qdisc in this kernel (CONFIG_NET_SCH_FQ): delay faults will be refused; loss faults work");
  boot_id_ = current_boot_id();

  std::lock_guard lock(mutex_);
  EngineState previous;
  auto loaded = load_engine_state(config_.state_file);
  if (!loaded) {
    log::warn("{}; starting without it", loaded.error().message());
    report_.errors.push_back(loaded.error().message());
  } else if (*loaded) {
    previous = std::move(**loaded);
  }
  // An idle engine holds no kernel state: maps are created with the first
  // fault and unpinned after the last. Only a previous daemon's leftovers
  // (a state file, pins, or programs tagged as ours) make start-up touch
  // the kernel.
  std::error_code ec;
  const bool pins = is_bpffs(config_.bpffs) && !std::filesystem::is_empty(pin_dir_, ec) && !ec;
  const bool leftovers = pins || !previous.faults.empty() || !previous.devices.empty() ||
                         !find_stranded_programs(pin_dir_, 0).programs.empty();
  if (config_.reconcile && leftovers) {
    if (auto r = ensure_maps_locked(); !r) return r;
    reconcile_locked(previous);
    release_maps_if_idle_locked();
  }
  (void)save_locked();
  expiry_ = std::thread([this] { expiry_loop(); });
  return {};
}

Result<void> FaultEngine::ensure_maps_locked() {
  if (maps_) return {};
  auto mounted = ensure_bpffs(config_.bpffs);
  if (!mounted) return fail(std::move(mounted).error());
  if (*mounted) log::info("mounted a BPF filesystem on {}", config_.bpffs);
  std::error_code ec;
  std::filesystem::create_directories(pin_dir_, ec);
  if (ec) return fail_errno(ec.value(), "create pin directory " + pin_dir_);
  auto maps = FaultMaps::open(pin_dir_);
  if (!maps) return fail(std::move(maps).error());
  maps_ = std::move(*maps);
  return {};
}

void FaultEngine::release_maps_if_idle_locked() {
  if (!maps_ || !faults_.empty() || !attachments_.empty()) return;
  if (auto r = maps_->unpin(); !r) log::warn("{}", r.error().message());
  maps_.reset();
  std::error_code ec;
  std::filesystem::remove(pin_dir_, ec);
  std::filesystem::remove(std::filesystem::path(pin_dir_).parent_path(), ec);  // only if empty
  publish_locked();
}

FaultEngine::~FaultEngine() { shutdown(); }

std::string FaultEngine::pin_dir() const { return pin_dir_; }

Result<HookedDevice*> FaultEngine::device_locked(net::Netns netns, const net::LinkInfo& link) {
  DeviceKey key{netns.inode(), netns.device(), link.ifindex};
  if (auto it = devices_.find(key); it != devices_.end()) return it->second.get();
  auto dev = HookedDevice::open(std::move(netns), link);
  if (!dev) return fail(std::move(dev).error());
  HookedDevice* raw = dev->get();
  devices_.emplace(key, std::move(*dev));
  return raw;
}

Result<std::vector<FaultEngine::Site>> FaultEngine::plan_sites_locked(const FaultSpec& spec) {
  auto eps = resolver_->resolve(spec.target);
  if (!eps) return fail(std::move(eps).error());
  if (eps->empty()) return fail_errno(ESRCH, "target: resolves to no network namespace");
  return sites_for_locked(spec, *eps, select_endpoints(spec.mode, spec.mode_value, eps->size(), rng_));
}

Result<std::vector<FaultEngine::Site>> FaultEngine::sites_for_locked(const FaultSpec& spec,
                                                                    std::vector<Endpoint>& eps,
                                                                    const std::vector<size_t>& chosen) {
  std::vector<Site> sites;
  auto add_site = [&](Site s) {
    for (const auto& o : sites)
      if (o.device == s.device && o.hook == s.hook && o.peer_is_src == s.peer_is_src) return;
    sites.push_back(std::move(s));
  };
  for (size_t i : chosen) {
    Endpoint& ep = eps[i];
    if (auto host = host_netns_.matches(ep.netns.inode(), ep.netns.device()); host && !spec.target.host_network)
      return fail_errno(EPERM, fmt::format("target: {} is {}; set target.host_network: true to allow that",
                                           ep.description, *host));
    auto sock = net::NetlinkSocket::open_in(ep.netns);
    if (!sock) return fail(std::move(sock).error().wrap(ep.description));
    auto link = pick_link(*sock, ep);
    if (!link) return fail(std::move(link).error());
    const bool egress = spec.direction != Direction::ingress;
    const bool ingress = spec.direction != Direction::egress;
    if (egress) {
      auto ns = ep.netns.duplicate();
      if (!ns) return fail(std::move(ns).error());
      auto dev = device_locked(std::move(*ns), *link);
      if (!dev) return fail(std::move(dev).error());
      add_site({(*dev)->key(), net::TcHook::egress, false, fmt::format("{} egress ({})", link->name, ep.description),
                ep.owner, ep.owner_name});
    }
    if (ingress && spec.action == Action::loss) {
      auto ns = ep.netns.duplicate();
      if (!ns) return fail(std::move(ns).error());
      auto dev = device_locked(std::move(*ns), *link);
      if (!dev) return fail(std::move(dev).error());
      add_site({(*dev)->key(), net::TcHook::ingress, true, fmt::format("{} ingress ({})", link->name, ep.description),
                ep.owner, ep.owner_name});
    }
    if (ingress && spec.action == Action::delay) {
      // EDT works at egress only: delay what reaches the target on its
      // veth peer's egress.
      auto peer = net::find_veth_peer(ep.netns, *sock, *link);
      if (!peer)
        return fail(std::move(peer).error().wrap(
            fmt::format("direction ingress with delay on {} ({})", link->name, ep.description)));
      std::string peer_name = peer->link.name;
      auto dev = device_locked(std::move(peer->netns), peer->link);
      if (!dev) return fail(std::move(dev).error());
      add_site({(*dev)->key(), net::TcHook::egress, true,
                fmt::format("{} ingress via peer {} egress ({})", link->name, peer_name, ep.description), ep.owner,
                ep.owner_name});
    }
  }
  return sites;
}

Result<void> FaultEngine::check_conflicts_locked(const FaultSpec& spec, const std::vector<Site>& sites) const {
  for (const auto& site : sites) {
    for (const auto& [id, att] : attachments_) {
      if (att.device != site.device || att.hook != site.hook) continue;
      if (att.peer_is_src == site.peer_is_src && att.slots.size() >= SEISMO_FAULTS_PER_ATTACH)
        return fail_errno(ENOSPC, fmt::format("{}: already has {} faults (the limit per device and direction)",
                                              site.where, SEISMO_FAULTS_PER_ATTACH));
      std::vector<PlacedFault> placed;
      for (uint32_t slot : att.slots)
        for (const auto& [name, f] : faults_)
          if (f.at.slot == slot) placed.push_back({name, &f.spec});
      if (auto other = conflicting_fault(spec, placed))
        return fail_errno(EEXIST, fmt::format("conflicts with fault '{}' on {}: two delay faults on overlapping "
                                              "traffic (give them disjoint filters, or remove '{}'; see "
                                              "docs/faults.md, Composition)",
                                              *other, site.where, *other));
    }
  }
  return {};
}

Result<uint32_t> FaultEngine::attachment_for_locked(const Site& site) {
  for (const auto& [id, att] : attachments_)
    if (att.device == site.device && att.hook == site.hook && att.peer_is_src == site.peer_is_src) return id;
  uint32_t id = 0;
  while (id < SEISMO_FAULT_ATTACH_SLOTS && attachments_.count(id)) ++id;
  if (id == SEISMO_FAULT_ATTACH_SLOTS)
    return fail_errno(ENOSPC, fmt::format("all {} attachment slots are in use", SEISMO_FAULT_ATTACH_SLOTS));
  HookedDevice& dev = *devices_.at(site.device);
  ChaosProgramConfig pc{id, site.hook, dev.link().has_mac_header() ? 14U : 0U, site.peer_is_src};
  auto prog = ChaosObject::load_program(pin_dir_, pc);
  if (!prog) return fail(std::move(prog).error());
  if (auto r = maps_->write_attach(id, fault_attach{}); !r) return fail(std::move(r).error());
  if (auto r = dev.attach({id, site.hook, site.peer_is_src}, (*prog)->program_fd()); !r) return fail(std::move(r).error());
  attachments_[id] = Attachment{site.device, site.hook, site.peer_is_src, {}};
  (void)save_locked();
  return id;
}

Result<void> FaultEngine::write_attach_locked(uint32_t attach_id) {
  fault_attach att{};
  if (auto it = attachments_.find(attach_id); it != attachments_.end()) {
    att.count = static_cast<uint32_t>(std::min<size_t>(it->second.slots.size(), SEISMO_FAULTS_PER_ATTACH));
    for (uint32_t i = 0; i < att.count; ++i) att.slots[i] = it->second.slots[i];
  }
  return maps_->write_attach(attach_id, att);
}

Result<void> FaultEngine::install_locked(Fault& fault, const std::vector<Site>& sites) {
  if (auto r = maps_->reset_counters(fault.at.slot); !r) return r;
  if (auto r = maps_->write_cfg(fault.at.slot, encode_fault_cfg(fault.spec, fault.at.expires_mono_ns, fault.at.generation)); !r)
    return r;
  return attach_sites_locked(fault, sites);
}

Result<void> FaultEngine::attach_sites_locked(Fault& fault, const std::vector<Site>& sites) {
  for (const auto& site : sites) {
    auto id = attachment_for_locked(site);
    if (!id) return fail(std::move(id).error());
    // Listed before anything below can fail, so the caller's remove_locked
    // also detaches an attachment made for this fault alone (a refused delay
    // left clsact and the filter behind; found by the VM tier).
    fault.at.attach_ids.push_back(*id);
    if (fault.spec.action == Action::delay) {
      HookedDevice& dev = *devices_.at(site.device);
      if (auto r = dev.ensure_fq(fq_options_for(fault.spec, config_.delay_rate_pps)); !r) return r;
      const uint64_t horizon_ns = uint64_t{dev.fq_horizon_us()} * 1000;
      if (fault.spec.delay.latency_ns + fault.spec.delay.jitter_ns > horizon_ns)
        return fail_errno(EINVAL, fmt::format("delay.latency: latency + jitter ({}) is beyond the horizon ({}) of "
                                              "the fq qdisc already on {}",
                                              format_duration(fault.spec.delay.latency_ns + fault.spec.delay.jitter_ns),
                                              format_duration(horizon_ns), site.where));
    }
    attachments_[*id].slots.push_back(fault.at.slot);
    fault.at.endpoints.push_back(site.where);
    if (!site.owner.empty()) {
      fault.at.owner_of_attach[*id] = site.owner;
      fault.at.owner_names[site.owner] = site.owner_name;
    }
    if (auto r = write_attach_locked(*id); !r) return r;
    (void)save_locked();
  }
  return {};
}

Result<json> FaultEngine::add(FaultSpec spec) {
  std::lock_guard lock(mutex_);
  auto r = add_locked(std::move(spec));
  wake_.notify_all();
  return r;
}

Result<json> FaultEngine::add_locked(FaultSpec spec) {
  if (stopped_) return fail_errno(ESHUTDOWN, "the fault engine is shutting down");
  if (spec.name.empty()) spec.name = fmt::format("{}-{:06x}", action_name(spec.action), rng_() & 0xffffff);
  if (faults_.count(spec.name)) return fail_errno(EEXIST, fmt::format("name: a fault named '{}' exists", spec.name));
  if (spec.action == Action::delay && !fq_available_)
    return fail_errno(EOPNOTSUPP, "action delay: this kernel has no fq qdisc (CONFIG_NET_SCH_FQ); seismo delays "
                                  "packets by EDT time stamps that only fq honours, so the fault is refused rather "
                                  "than silently doing nothing (see `seismo doctor`)");
  uint32_t slot = 0;
  auto slot_used = [&](uint32_t s) {
    return std::any_of(faults_.begin(), faults_.end(), [&](const auto& kv) { return kv.second.at.slot == s; });
  };
  while (slot < SEISMO_FAULT_SLOTS && slot_used(slot)) ++slot;
  if (slot == SEISMO_FAULT_SLOTS)
    return fail_errno(ENOSPC, fmt::format("fault limit reached: {} faults are active, the most seismod runs at once "
                                          "(remove one first)",
                                          slot));

  if (auto r = ensure_maps_locked(); !r) return fail(std::move(r).error().wrap("prepare the fault maps"));
  auto sites = plan_sites_locked(spec);
  auto tidy_new_devices = [&] { tidy_unused_devices_locked(); };
  if (!sites) {
    tidy_new_devices();
    release_maps_if_idle_locked();
    return fail(std::move(sites).error());
  }
  if (auto r = check_conflicts_locked(spec, *sites); !r) {
    tidy_new_devices();
    release_maps_if_idle_locked();
    return fail(std::move(r).error());
  }
  Fault fault;
  fault.spec = std::move(spec);
  fault.at.slot = slot;
  fault.at.generation = next_generation_++;
  fault.at.created_unix_ms = unix_now_ms();
  fault.at.expires_mono_ns = monotonic_now_ns() + fault.spec.duration_ns;
  if (auto r = install_locked(fault, *sites); !r) {
    remove_locked(fault);
    tidy_new_devices();
    release_maps_if_idle_locked();
    (void)save_locked();
    return fail(std::move(r).error().wrap(fmt::format("fault '{}'", fault.spec.name)));
  }
  const std::string name = fault.spec.name;
  auto [it, inserted] = faults_.emplace(name, std::move(fault));
  if (auto r = save_locked(); !r) {
    // A fault the state file does not know would outlive a crash unseen:
    // take it out again.
    remove_locked(it->second);
    faults_.erase(it);
    tidy_new_devices();
    release_maps_if_idle_locked();
    (void)save_locked();
    return fail(std::move(r).error().wrap(fmt::format("fault '{}' rolled back: its state cannot be saved", name)));
  }
  log::info("fault '{}' added: {} on {} for {}", name, action_name(it->second.spec.action),
            fmt::join(it->second.at.endpoints, ", "), format_duration(it->second.spec.duration_ns));
  return describe_locked(it->second);
}

Result<json> FaultEngine::apply(std::vector<FaultSpec> specs) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < specs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (!specs[i].name.empty() && specs[i].name == specs[j].name)
        return fail_errno(EEXIST, fmt::format("faults[{}].name: '{}' is used twice in the document", i, specs[i].name));
  json out = json::array();
  std::vector<std::string> added;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto r = add_locked(std::move(specs[i]));
    if (!r) {
      for (const auto& name : added) {
        remove_locked(faults_.at(name));
        faults_.erase(name);
      }
      release_maps_if_idle_locked();
      (void)save_locked();
      return fail(std::move(r).error().wrap(fmt::format("faults[{}]", i)));
    }
    added.push_back((*r)["name"].get<std::string>());
    out.push_back(std::move(*r));
  }
  wake_.notify_all();
  return json{{"faults", out}};
}

void FaultEngine::drop_attachment_slot_locked(uint32_t attach_id, uint32_t slot) {
  auto it = attachments_.find(attach_id);
  if (it == attachments_.end()) return;
  auto& slots = it->second.slots;
  slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
  if (!slots.empty()) {
    if (auto r = write_attach_locked(attach_id); !r) log::warn("{}", r.error().message());
    return;
  }
  // Unlist first so the program passes everything, then detach it.
  if (auto r = maps_->write_attach(attach_id, fault_attach{}); !r) log::warn("{}", r.error().message());
  if (auto d = devices_.find(it->second.device); d != devices_.end())
    if (auto r = d->second->detach(attach_id); !r) log::warn("{}", r.error().message());
  attachments_.erase(it);
  broken_.erase(attach_id);
}

bool FaultEngine::device_has_delay_locked(const DeviceKey& key) const {
  for (const auto& [id, att] : attachments_) {
    if (att.device != key) continue;
    for (uint32_t slot : att.slots)
      for (const auto& [name, f] : faults_)
        if (f.at.slot == slot && f.spec.action == Action::delay) return true;
  }
  return false;
}

void FaultEngine::tidy_device_locked(const DeviceKey& key) {
  auto it = devices_.find(key);
  if (it == devices_.end()) return;
  if (!it->second->has_attachments()) {
    if (auto r = it->second->restore(); !r) log::warn("restore {}: {}", it->second->describe(), r.error().message());
    it->second->release();
    devices_.erase(it);
  } else if (!device_has_delay_locked(key)) {
    if (auto r = it->second->release_fq(); !r) log::warn("{}", r.error().message());
  }
}

void FaultEngine::remove_locked(Fault& fault) {
  std::vector<DeviceKey> touched;
  for (uint32_t id : fault.at.attach_ids) {
    if (auto it = attachments_.find(id); it != attachments_.end()) touched.push_back(it->second.device);
    drop_attachment_slot_locked(id, fault.at.slot);
  }
  fault.at.attach_ids.clear();
  if (auto r = maps_->clear_cfg(fault.at.slot); !r) log::warn("{}", r.error().message());
  // The slot is listed nowhere now, so the fault no longer keeps fq alive.
  for (const auto& key : touched) tidy_device_locked(key);
}

Result<void> FaultEngine::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = faults_.find(name);
  if (it == faults_.end()) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  remove_locked(it->second);
  faults_.erase(it);
  release_maps_if_idle_locked();
  (void)save_locked();
  log::info("fault '{}' removed", name);
  return {};
}

size_t FaultEngine::clear() {
  std::lock_guard lock(mutex_);
  const size_t n = faults_.size();
  for (auto& [name, f] : faults_) remove_locked(f);
  faults_.clear();
  release_maps_if_idle_locked();
  (void)save_locked();
  if (n) log::info("{} fault(s) cleared", n);
  return n;
}

void FaultEngine::tidy_unused_devices_locked() {
  std::vector<DeviceKey> keys;
  for (const auto& [k, d] : devices_)
    if (!d->has_attachments()) keys.push_back(k);
  for (const auto& k : keys) tidy_device_locked(k);
}

size_t FaultEngine::drop_sites_locked(Fault& fault, const std::function<bool(uint32_t attach_id)>& drop) {
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
    drop_attachment_slot_locked(id, fault.at.slot);
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
  for (const auto& key : touched) tidy_device_locked(key);
  return dropped;
}

Result<json> FaultEngine::extend(const std::string& name, std::vector<Endpoint> endpoints) {
  std::lock_guard lock(mutex_);
  if (stopped_) return fail_errno(ESHUTDOWN, "the fault engine is shutting down");
  auto it = faults_.find(name);
  if (it == faults_.end()) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  Fault& fault = it->second;
  if (endpoints.empty() || !maps_) return describe_locked(fault);
  std::vector<size_t> all(endpoints.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto sites = sites_for_locked(fault.spec, endpoints, all);
  if (!sites) {
    tidy_unused_devices_locked();
    return fail(std::move(sites).error().wrap(fmt::format("extend fault '{}'", name)));
  }
  if (auto r = check_conflicts_locked(fault.spec, *sites); !r) {
    tidy_unused_devices_locked();
    return fail(std::move(r).error().wrap(fmt::format("extend fault '{}'", name)));
  }
  std::vector<uint32_t> before = fault.at.attach_ids;
  if (auto r = attach_sites_locked(fault, *sites); !r) {
    drop_sites_locked(fault, [&](uint32_t id) { return std::find(before.begin(), before.end(), id) == before.end(); });
    tidy_unused_devices_locked();
    (void)save_locked();
    return fail(std::move(r).error().wrap(fmt::format("extend fault '{}'", name)));
  }
  if (auto r = save_locked(); !r) {
    drop_sites_locked(fault, [&](uint32_t id) { return std::find(before.begin(), before.end(), id) == before.end(); });
    tidy_unused_devices_locked();
    (void)save_locked();
    return fail(std::move(r).error().wrap(fmt::format("extend fault '{}' rolled back: its state cannot be saved", name)));
  }
  std::vector<std::string> added;
  for (const auto& site : *sites) added.push_back(site.where);
  log::info("fault '{}' extended to {}", name, fmt::join(added, ", "));
  return describe_locked(fault);
}

Result<size_t> FaultEngine::retract(const std::string& name, const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto it = faults_.find(name);
  if (it == faults_.end()) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  Fault& fault = it->second;
  const std::string owner_name = fault.at.owner_names.count(owner) ? fault.at.owner_names.at(owner) : owner;
  size_t n = drop_sites_locked(fault, [&](uint32_t id) {
    auto o = fault.at.owner_of_attach.find(id);
    return o != fault.at.owner_of_attach.end() && o->second == owner;
  });
  if (n) {
    (void)save_locked();
    log::info("fault '{}': {} dropped ({} attachment(s))", name, owner_name, n);
  }
  return n;
}

Result<void> FaultEngine::save_locked() {
  if (faults_.empty() && devices_.empty()) {
    // Nothing to reconcile after a crash: no file (a daemon that never
    // applied a fault leaves nothing behind).
    std::error_code ec;
    std::filesystem::remove(config_.state_file, ec);
    publish_locked();
    return {};
  }
  EngineState st;
  st.boot_id = boot_id_;
  st.next_generation = next_generation_;
  for (const auto& [name, f] : faults_)
    st.faults.push_back({to_json(f.spec), f.at});
  for (const auto& [key, dev] : devices_) st.devices.push_back(dev->record());
  publish_locked();
  auto saved = save_engine_state(config_.state_file, st);
  if (!saved) log::warn("{}", saved.error().message());
  return saved;
}

// Removes the faults whose time is up; returns when the next one ends (0: none).
uint64_t FaultEngine::expire_locked(uint64_t now) {
  uint64_t next = 0;
  std::vector<std::string> ended;
  for (const auto& [name, f] : faults_) {
    if (f.at.expires_mono_ns <= now) ended.push_back(name);
    else if (!next || f.at.expires_mono_ns < next) next = f.at.expires_mono_ns;
  }
  for (const auto& name : ended) {
    // The kernel stopped applying it at expires_mono_ns; this removes
    // the programs and qdiscs.
    remove_locked(faults_.at(name));
    faults_.erase(name);
    log::info("fault '{}' ended (duration reached)", name);
  }
  if (!ended.empty()) {
    release_maps_if_idle_locked();
    (void)save_locked();
  }
  return next;
}

void FaultEngine::expiry_loop() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    const uint64_t now = monotonic_now_ns();
    uint64_t next = 0;
    // Nothing may end this thread but shutdown: an exception escaping it
    // would terminate the daemon with faults still attached.
    try {
      next = expire_locked(now);
      if (!faults_.empty()) verify_locked();
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

}  // namespace seismo::chaos
