#include "chaos/fault_engine.h"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "chaos/bpffs.h"
#include "chaos/duration.h"
#include "chaos/fault_peers.h"
#include "chaos/guard_owners.h"
#include "chaos/monotonic_clock.h"
#include "chaos/spec_bandwidth.h"
#include "chaos/stranded_programs.h"
#include "common/log.h"
#include "doctor/doctor.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A bandwidth fault's description says how it holds the rate (the spec's
// mode was settled at add: shape where fq exists).
json with_bandwidth_status(json fault, bool fq_available) {
  if (!fault.is_object() || fault.value("action", "") != "bandwidth") return fault;
  const json& bw = fault["spec"]["bandwidth"];
  const std::string mode = bw.is_object() ? bw.value("mode", "auto") : "auto";
  fault["bandwidth"] = bandwidth_mode_status(mode == "shape"    ? BandwidthMode::shape
                                             : mode == "police" ? BandwidthMode::police
                                                                : BandwidthMode::automatic,
                                             fq_available);
  return fault;
}

// What a plan adds to a fault's placement: its attachments, where they
// are, and which pod each serves.
void place(const FaultPlan& plan, FaultPlacement& at) {
  for (const auto& att : plan.attachments) {
    at.attach_ids.push_back(att.attach_id);
    at.endpoints.push_back(att.where);
    if (att.owner.empty()) continue;
    at.owner_of_attach[att.attach_id] = att.owner;
    at.owner_names[att.owner] = att.owner_name;
  }
}

// A guarded fault's pods: each one's netns, whose owner entry goes with
// the pod (FaultEngine::retract).
void place_owner_netns(const FaultPlan& plan, const std::vector<EndpointFacts>& endpoints, FaultPlacement& at) {
  for (const auto& d : plan.devices)
    if (d.endpoint < endpoints.size() && !endpoints[d.endpoint].owner.empty() && endpoints[d.endpoint].netns_inode)
      at.owner_netns[endpoints[d.endpoint].owner] = endpoints[d.endpoint].netns_inode;
}

}  // namespace

nlohmann::json ReconcileReport::to_json() const {
  return {{"adopted", adopted},
          {"expired_removed", expired_removed},
          {"filters_removed", filters_removed},
          {"unknown_slots_cleared", unknown_slots_cleared},
          {"stale_peers_removed", stale_peers_removed},
          {"devices_restored", devices_restored},
          {"devices_gone", devices_gone},
          {"orphan_programs", orphan_programs},
          {"namespaces_swept", namespaces_swept},
          {"guard_owners_removed", guard_owners_removed},
          {"guard_tracing", guard_tracing},
          {"errors", errors}};
}

FaultEngine::FaultEngine(FaultEngineConfig config, std::unique_ptr<TargetResolver> resolver, HostNetns host_netns)
    : config_(std::move(config)),
      resolver_(std::move(resolver)),
      host_netns_(std::move(host_netns)),
      pin_dir_(config_.bpffs + "/" + config_.pin_subdir),
      planner_(config_.delay_rate_pps),
      reader_(*resolver_),
      registry_(std::make_unique<FaultRegistry>(
          RegistryPaths{config_.bpffs, pin_dir_, config_.state_file, config_.node_netns_path})),
      installer_(*registry_, pin_dir_, config_.install_gate) {}

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
  fq_available_ = doctor::probe_qdisc("fq") == 0;
  if (!fq_available_)
    log::warn("no fq qdisc in this kernel (CONFIG_NET_SCH_FQ): delay faults will be refused; loss faults work");
  std::lock_guard lock(registry_->mutex());
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
    if (auto r = registry_->ensure_maps(); !r) return fail(std::move(r).error());
    registry_->reconcile(previous, report_);
    registry_->release_maps_if_idle();
  }
  (void)registry_->save();
  registry_->start_expiry();
  return {};
}

FaultEngine::~FaultEngine() { shutdown(); }

void FaultEngine::shutdown() { registry_->shutdown(); }

WorldSnapshot FaultEngine::snapshot() const {
  return WorldSnapshot{fq_available_, host_netns_, registry_->installed(), {}};
}

Result<json> FaultEngine::add(FaultSpec spec) {
  std::lock_guard lock(registry_->mutex());
  auto r = add_locked(std::move(spec));
  registry_->wake();
  return r;
}

Result<json> FaultEngine::add_locked(FaultSpec spec) {
  if (registry_->stopped()) return fail_errno(ESHUTDOWN, "the fault engine is shutting down");
  if (spec.name.empty()) spec.name = fmt::format("{}-{:06x}", action_name(spec.action), rng_() & 0xffffff);
  WorldSnapshot world = snapshot();
  if (auto r = FaultPlanner::settle_bandwidth_mode(spec, world.fq_available); !r) return fail(std::move(r).error());
  auto slot = planner_.admit(spec, world);
  if (!slot) return fail(std::move(slot).error());
  auto eps = reader_.resolve(spec.target);
  if (!eps) return fail(std::move(eps).error());
  auto read = WorldReader::read(*eps, FaultPlanner::choose(spec, eps->size(), rng_), FaultPlanner::needs_peer(spec));
  world.endpoints = std::move(read.facts);
  auto plan = planner_.plan_add(spec, *slot, world);
  if (!plan) return fail(std::move(plan).error());
  if (!spec.guard.empty()) plan->guard_owners = guard_owners_of(*plan, world.endpoints);

  RunningFault fault{std::move(spec), {}};
  fault.at.slot = *slot;
  fault.at.generation = registry_->take_generation();
  fault.at.created_unix_ms = unix_now_ms();
  fault.at.expires_mono_ns = monotonic_now_ns() + fault.spec.duration_ns;
  place(*plan, fault.at);
  if (!fault.spec.guard.empty()) place_owner_netns(*plan, world.endpoints, fault.at);
  const std::string name = fault.spec.name;
  if (auto r = installer_.install(*plan, read.handles, fault, fmt::format("fault '{}'", name)); !r) return fail(std::move(r).error());
  log::info("fault '{}' added: {} on {} for {}", name, action_name(fault.spec.action), fmt::join(fault.at.endpoints, ", "),
            format_duration(fault.spec.duration_ns));
  return with_bandwidth_status(registry_->describe(name), fq_available_);
}

Result<json> FaultEngine::apply(std::vector<FaultSpec> specs) {
  std::lock_guard lock(registry_->mutex());
  for (size_t i = 0; i < specs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (!specs[i].name.empty() && specs[i].name == specs[j].name)
        return fail_errno(EEXIST, fmt::format("faults[{}].name: '{}' is used twice in the document", i, specs[i].name));
  json out = json::array();
  std::vector<std::string> added;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto r = add_locked(std::move(specs[i]));
    if (!r) {
      // All or none: the ones already added go again.
      for (const auto& name : added) registry_->remove(name);
      return fail(std::move(r).error().wrap(fmt::format("faults[{}]", i)));
    }
    added.push_back((*r)["name"].get<std::string>());
    out.push_back(std::move(*r));
  }
  registry_->wake();
  return json{{"faults", out}};
}

Result<void> FaultEngine::remove(const std::string& name) {
  std::lock_guard lock(registry_->mutex());
  if (!registry_->find(name)) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  registry_->remove(name);
  log::info("fault '{}' removed", name);
  return {};
}

size_t FaultEngine::clear() {
  std::lock_guard lock(registry_->mutex());
  const size_t n = registry_->remove_all();
  if (n) log::info("{} fault(s) cleared", n);
  return n;
}

Result<json> FaultEngine::extend(const std::string& name, std::vector<Endpoint> endpoints) {
  std::lock_guard lock(registry_->mutex());
  if (registry_->stopped()) return fail_errno(ESHUTDOWN, "the fault engine is shutting down");
  RunningFault* fault = registry_->find(name);
  if (!fault) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  if (endpoints.empty() || !registry_->maps()) return registry_->describe(name);
  std::vector<size_t> all(endpoints.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto read = WorldReader::read(endpoints, all, FaultPlanner::needs_peer(fault->spec));
  WorldSnapshot world = snapshot();
  world.endpoints = std::move(read.facts);
  const std::string label = fmt::format("extend fault '{}'", name);
  auto plan = planner_.plan_extend(name, world);
  if (!plan) return fail(std::move(plan).error().wrap(label));
  if (!fault->spec.guard.empty()) plan->guard_owners = guard_owners_of(*plan, world.endpoints);
  RunningFault extended = *fault;
  place(*plan, extended.at);
  if (!extended.spec.guard.empty()) place_owner_netns(*plan, world.endpoints, extended.at);
  if (auto r = installer_.install(*plan, read.handles, extended, label); !r) return fail(std::move(r).error());
  std::vector<std::string> where;
  for (const auto& att : plan->attachments) where.push_back(att.where);
  log::info("fault '{}' extended to {}", name, fmt::join(where, ", "));
  return with_bandwidth_status(registry_->describe(name), fq_available_);
}

Result<json> FaultEngine::set_peers(const std::string& name, std::vector<Cidr> peers) {
  std::lock_guard lock(registry_->mutex());
  if (registry_->stopped()) return fail_errno(ESHUTDOWN, "the fault engine is shutting down");
  RunningFault* fault = registry_->find(name);
  if (!fault) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  const std::string label = fmt::format("set the peers of fault '{}'", name);
  FaultSpec changed = fault->spec;
  changed.filter.cidrs = std::move(peers);
  if (auto r = FaultPlanner::admit_peers(name, changed, registry_->installed()); !r)
    return fail(std::move(r).error().wrap(label));
  const PeerChange change = diff_peers(fault->spec.filter.cidrs, changed.filter.cidrs);
  if (change.empty()) return registry_->describe(name);
  FaultMaps* maps = registry_->maps();
  if (!maps) return fail_errno(EIO, label + ": the fault maps are not loaded");
  const uint32_t slot = fault->at.slot;
  // New ones first: a peer in both sets is never missing in between.
  if (auto r = maps->write_peers(slot, fault->at.generation, change.added); !r) {
    (void)maps->delete_peers(slot, change.added);  // none of them was in the old set
    return fail(std::move(r).error().wrap(label));
  }
  if (auto r = maps->delete_peers(slot, change.removed); !r) {
    (void)maps->write_peers(slot, fault->at.generation, change.removed);
    (void)maps->delete_peers(slot, change.added);
    return fail(std::move(r).error().wrap(label));
  }
  fault->spec = std::move(changed);
  // A crash before this save leaves the trie ahead of the file: the next
  // daemon's reconciliation keeps only the recorded prefixes.
  (void)registry_->save();
  log::info("fault '{}': peers changed in place (+{} -{}, {} now)", name, change.added.size(), change.removed.size(),
            fault->spec.filter.cidrs.size());
  return registry_->describe(name);
}

Result<size_t> FaultEngine::retract(const std::string& name, const std::string& owner) {
  std::lock_guard lock(registry_->mutex());
  RunningFault* fault = registry_->find(name);
  if (!fault) return fail_errno(ENOENT, fmt::format("no fault named '{}'", name));
  const std::string owner_name = fault->at.owner_names.count(owner) ? fault->at.owner_names.at(owner) : owner;
  size_t n = registry_->drop_attachments(*fault, [&](uint32_t id) {
    auto o = fault->at.owner_of_attach.find(id);
    return o != fault->at.owner_of_attach.end() && o->second == owner;
  });
  if (n) {
    release_guard_owner(*fault, owner);
    (void)registry_->save();
    log::info("fault '{}': {} dropped ({} attachment(s))", name, owner_name, n);
  }
  return n;
}

void FaultEngine::release_guard_owner(RunningFault& fault, const std::string& owner) {
  auto it = fault.at.owner_netns.find(owner);
  if (it == fault.at.owner_netns.end()) return;
  const uint64_t inode = it->second;
  fault.at.owner_netns.erase(it);
  // Pods sharing a netns (hostNetwork) keep its entry while one is left.
  for (const auto& [_, other] : fault.at.owner_netns)
    if (other == inode) return;
  FaultMaps* maps = registry_->maps();
  if (!maps) return;
  if (auto r = maps->remove_guard_owner({SEISMO_GUARD_OWNER_NETNS, 0, inode}, fault.at.slot); !r)
    log::warn("fault '{}': {}", fault.spec.name, r.error().message());
}

json FaultEngine::list() {
  json faults = json::array();
  for (auto& f : registry_->list_faults()) faults.push_back(with_bandwidth_status(std::move(f), fq_available_));
  return {{"faults", std::move(faults)}, {"fq_available", fq_available_}, {"pin_dir", pin_dir_},
          {"reconcile", report_.to_json()}};
}

void FaultEngine::check_kernel_state() {
  std::lock_guard lock(registry_->mutex());
  if (!registry_->stopped()) registry_->verify();
}

}  // namespace seismo::chaos
