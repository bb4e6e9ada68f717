#include "cluster/engine_sync.h"

#include <algorithm>

#include <fmt/format.h>

#include "chaos/fault_peers.h"

namespace seismo::cluster {
namespace {

// Everything but what a running fault may change in place (its pods, its
// peers and the time it has left, which the engine counts down itself).
nlohmann::json shape_of(chaos::FaultSpec spec) {
  spec.target.selector.pods.clear();
  spec.filter.cidrs.clear();
  spec.duration_ns = 0;
  return chaos::to_json(spec);
}

// The engine's counters of each running fault, read before any removal.
using CountsByName = std::map<std::string, chaos::FaultCounters>;

// Removes an engine fault and keeps what it counted (a pass removes a name
// at most once: a reinstall's removal, or the sweep of names no plan keeps).
Result<void> remove_counted(EngineActions& engine, const std::string& name, const CountsByName& counts,
                            SyncOutcome& out) {
  if (auto r = engine.remove(name); !r) return r;
  ++out.removed;
  if (auto c = counts.find(name); c != counts.end()) out.retired[name] = c->second;
  return {};
}

void note_error(SyncOutcome& out, const std::string& uid, const Error& e) {
  auto& slot = out.errors[uid];
  if (slot.empty()) slot = e.message();
}

// Whether the running fault must be installed again: its spec changed, or
// a pod it covers left the pick but is still on this node. (Retracting
// such a pod would not hold: the engine's pod follower extends a running
// fault to the pods its spec names, and the spec still names it.)
bool needs_reinstall(const NodeFaultPlan& plan, const chaos::FaultSpec& spec, const chaos::FaultMembers& running,
                     const std::set<std::string>& want) {
  if (shape_of(running.spec) != shape_of(spec)) return true;
  // No peer filter ↔ some peers is another fault config (every peer vs a set).
  if (running.spec.filter.cidrs.empty() != spec.filter.cidrs.empty()) return true;
  for (const auto& owner : running.owners) {
    if (want.count(owner) == 0 && plan.here.count(owner) != 0) return true;
  }
  return false;
}

void add_fault(EngineActions& engine, const NodeFaultPlan& plan, const chaos::FaultSpec& spec, SyncOutcome& out) {
  if (auto r = engine.add(spec); !r) return note_error(out, plan.uid, r.error());
  ++out.added;
  auto now = engine.members();
  auto it = std::find_if(now.begin(), now.end(), [&](const auto& m) { return m.name == spec.name; });
  if (it != now.end()) out.covered[plan.uid].insert(it->owners.begin(), it->owners.end());
}

// One engine fault that should run: add it, or bring its pods in line.
void converge(EngineActions& engine, const NodeFaultPlan& plan, const chaos::FaultSpec& spec,
              const chaos::FaultMembers* running, const CountsByName& counts, SyncOutcome& out) {
  auto& covered = out.covered[plan.uid];
  std::set<std::string> want;
  for (const auto& p : plan.pods) want.insert(p.uid);
  if (running != nullptr && needs_reinstall(plan, spec, *running, want)) {
    if (auto r = remove_counted(engine, spec.name, counts, out); !r) return note_error(out, plan.uid, r.error());
    running = nullptr;
  }
  if (running == nullptr) return add_fault(engine, plan, spec, out);
  // The target's pods changed their IPs (a pod replaced): the peer set is
  // changed in place, the fault never stops and its counters go on.
  if (!chaos::same_peers(running->spec.filter.cidrs, spec.filter.cidrs)) {
    if (auto r = engine.set_peers(spec.name, spec.filter.cidrs); !r) note_error(out, plan.uid, r.error());
    else ++out.repeered;
  }
  std::set<std::string> have(running->owners.begin(), running->owners.end());
  for (const auto& owner : have) {
    if (want.count(owner) != 0) {
      covered.insert(owner);
      continue;
    }
    // Gone from this node (deleted): drop its part, the rest keeps running.
    if (auto r = engine.retract(spec.name, owner); !r) {
      note_error(out, plan.uid, r.error());
      covered.insert(owner);
    } else {
      ++out.retracted;
    }
  }
  std::vector<pods::Pod> missing;
  for (const auto& p : plan.pods) {
    if (have.count(p.uid) == 0) missing.push_back(p);
  }
  if (missing.empty()) return;
  if (auto r = engine.extend(spec.name, missing, spec.target.interface); !r) return note_error(out, plan.uid, r.error());
  ++out.extended;
  for (const auto& p : missing) covered.insert(p.uid);
}

}  // namespace

SyncOutcome sync_engine(EngineActions& engine, const std::vector<NodeFaultPlan>& plans) {
  SyncOutcome out;
  auto running = engine.members();
  std::map<std::string, const chaos::FaultMembers*> by_name;
  for (const auto& m : running) by_name[m.name] = &m;
  CountsByName counts;
  for (auto& s : engine.samples()) counts[s.name] = s.counters;

  std::set<std::string> keep;
  for (const auto& plan : plans) {
    if (plan.phase == NodePhase::pending) {
      // Lists not complete: keep whatever runs for it.
      for (const auto& [name, m] : by_name) {
        if (name == engine_base_name(plan.uid) || name.starts_with(engine_base_name(plan.uid) + "-")) keep.insert(name);
      }
      continue;
    }
    for (const auto& spec : plan.specs) {
      keep.insert(spec.name);
      auto it = by_name.find(spec.name);
      converge(engine, plan, spec, it == by_name.end() ? nullptr : it->second, counts, out);
    }
  }
  for (const auto& [name, m] : by_name) {
    if (!is_cluster_fault_name(name) || keep.count(name) != 0) continue;
    if (auto r = remove_counted(engine, name, counts, out); !r) {
      // ENOENT: it expired in between, which is what we wanted.
      if (r.error().code != ENOENT) note_error(out, "", r.error().wrap(fmt::format("remove {}", name)));
    }
  }
  return out;
}

}  // namespace seismo::cluster
