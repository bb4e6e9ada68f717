// What readers of the fault registry see, and the check of the kernel's tc
// state against it. Readers (fault ls, status, scrapes, the pod tracker)
// take only view_mutex_, held for a pointer copy: an add that holds the
// engine mutex across netlink and BPF loads never stalls them.
#include <fmt/format.h>

#include "chaos/fault_registry.h"
#include "chaos/guard_report.h"
#include "chaos/monotonic_clock.h"
#include "common/log.h"

namespace seismo::chaos {

using nlohmann::json;

std::vector<std::string> FaultRegistry::problems(const RunningFault& f) const {
  std::vector<std::string> out;
  for (uint32_t id : f.at.attach_ids)
    if (auto it = broken_.find(id); it != broken_.end()) out.push_back(it->second);
  return out;
}

void FaultRegistry::publish() {
  auto v = std::make_shared<View>();
  v->maps = maps_;
  for (const auto& [name, f] : faults_) {
    v->faults.emplace_back(name, f);
    if (auto p = problems(f); !p.empty()) v->problems[name] = std::move(p);
  }
  std::lock_guard lock(view_mutex_);
  view_ = std::move(v);
}

std::shared_ptr<const FaultRegistry::View> FaultRegistry::view() const {
  std::lock_guard lock(view_mutex_);
  return view_ ? view_ : std::make_shared<const View>();
}

json FaultRegistry::describe(const std::string& name) const {
  auto it = faults_.find(name);
  return it == faults_.end() ? json() : describe(it->second, maps_.get(), problems(it->second));
}

json FaultRegistry::describe(const RunningFault& f, const FaultMaps* maps, const std::vector<std::string>& broken) {
  const uint64_t now = monotonic_now_ns();
  FaultCounters c = maps ? maps->counters(f.at.slot) : FaultCounters{};
  json counters = {{"passed", c.passed}, {"dropped", c.dropped}, {"delayed", c.delayed}};
  if (c.duplicated) counters["duplicated"] = c.duplicated;
  if (c.corrupted) counters["corrupted"] = c.corrupted;
  if (c.reordered) counters["reordered"] = c.reordered;
  if (c.delayed) counters["delay_avg_seconds"] = static_cast<double>(c.delay_ns) / static_cast<double>(c.delayed) / 1e9;
  json out = {{"name", f.spec.name},
              {"action", action_name(f.spec.action)},
              {"direction", direction_name(f.spec.direction)},
              {"spec", to_json(f.spec)},
              {"endpoints", f.at.endpoints},
              {"created_unix_ms", f.at.created_unix_ms},
              {"expires_in_seconds",
               f.at.expires_mono_ns > now ? static_cast<double>(f.at.expires_mono_ns - now) / 1e9 : 0.0},
              {"counters", counters},
              {"health", broken.empty() ? "ok" : "broken"}};
  if (!broken.empty()) out["problems"] = broken;
  const uint64_t start_ns = f.at.expires_mono_ns > f.spec.duration_ns ? f.at.expires_mono_ns - f.spec.duration_ns : 0;
  if (!f.spec.guard.empty()) out["guard"] = guard_status_json(f.spec.guard, c.guard, start_ns);
  if (auto v = verification_json(f.spec, c); !v.is_null()) out["verification"] = std::move(v);
  if (f.spec.target.kind == TargetKind::pods) {
    // The chosen pods: what a pod fault hits right now.
    json pods = json::array();
    for (const auto& [uid, pod] : f.at.owner_names) pods.push_back({{"pod", pod}, {"uid", uid}});
    out["pods"] = std::move(pods);
  }
  return out;
}

json FaultRegistry::list_faults() {
  {
    // Only when no change is in progress: ls must not wait for one.
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock() && !stopped_) verify();
  }
  auto v = view();
  json faults = json::array();
  for (const auto& [name, f] : v->faults) {
    auto p = v->problems.find(name);
    faults.push_back(describe(f, v->maps.get(), p == v->problems.end() ? std::vector<std::string>{} : p->second));
  }
  return faults;
}

std::vector<FaultMembers> FaultRegistry::members() const {
  auto v = view();
  std::vector<FaultMembers> out;
  for (const auto& [name, f] : v->faults) {
    FaultMembers m{name, f.spec, {}};
    for (const auto& [owner, _] : f.at.owner_names) m.owners.push_back(owner);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<FaultSample> FaultRegistry::samples() const {
  auto v = view();
  std::vector<FaultSample> out;
  if (!v->maps) return out;
  for (const auto& [name, f] : v->faults)
    out.push_back({name, f.spec.action, v->maps->counters(f.at.slot), v->problems.count(name) > 0,
                   f.at.expires_mono_ns > f.spec.duration_ns ? f.at.expires_mono_ns - f.spec.duration_ns : 0,
                   f.spec.guard});
  return out;
}

std::vector<uint64_t> FaultRegistry::kernel_losses() const {
  auto v = view();
  return v->maps ? v->maps->losses() : std::vector<uint64_t>{};
}

bool FaultRegistry::kernel_state_loaded() const { return view()->maps != nullptr; }

void FaultRegistry::verify() {
  bool changed = false;
  for (const auto& [id, att] : attachments_) {
    if (broken_.count(id)) continue;
    if (auto link = cgroup_links_.find(id); link != cgroup_links_.end()) {
      auto on = link->second->attached();
      if (!on || *on) continue;
      const std::string what = fmt::format("the cgroup of {} (id {}) is gone or its program was detached; the fault "
                                           "no longer applies to what that cgroup receives",
                                           link->second->pin(), att.cgroup_id);
      log::warn("fault state: {}", what);
      broken_[id] = what;
      changed = true;
      continue;
    }
    auto dev = devices_.find(att.device);
    if (dev == devices_.end()) continue;
    auto present = dev->second->has_filter(id);
    if (present && *present) continue;
    if (!present && !HookedDevice::is_gone(present.error())) continue;  // try again next time
    const std::string what =
        present ? fmt::format("tc filter {}{} on {} {} was removed outside seismo; the fault no longer applies there",
                              kFilterNamePrefix, id, dev->second->describe(), net::tc_hook_name(att.hook))
                : fmt::format("{} is gone", dev->second->describe());
    log::warn("fault state: {}", what);
    broken_[id] = what;
    changed = true;
  }
  if (changed) publish();
}

}  // namespace seismo::chaos
