#include "cluster/node_plan.h"

#include <fmt/format.h>

#include "chaos/network_fault_specs.h"

namespace seismo::cluster {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

// For every mode but `all`, only pods that existed when the fault was
// created: a pod created later never shifts the pick (contract).
std::vector<pods::Pod> eligible(const std::vector<pods::Pod>& pods, pods::PickMode mode, int64_t created_unix) {
  if (mode == pods::PickMode::all) return pods;
  std::vector<pods::Pod> out;
  for (const auto& p : pods) {
    if (p.created_unix <= created_unix) out.push_back(p);
  }
  return out;
}

// The peers: the picked target pods' IPs and externalTargets.
Result<std::vector<chaos::Cidr>> peers_of(const FaultView& view, const PlanContext& context) {
  std::vector<chaos::Cidr> peers;
  const auto& spec = view.fault.spec;
  if (spec.target) {
    auto picked = context.pick(view.fault, spec.target->mode, spec.target->value,
                               eligible(view.target_pods, spec.target->mode, view.fault.created_unix));
    for (const auto& p : picked) {
      for (const auto& ip : p.ips) {
        auto c = chaos::Cidr::parse(ip, "spec.target");
        if (!c) return fail(std::move(c).error().wrap(fmt::format("pod {}/{}", p.namespace_name, p.name)));
        if (std::find(peers.begin(), peers.end(), *c) == peers.end()) peers.push_back(*c);
      }
    }
  }
  for (std::size_t i = 0; i < spec.external_targets.size(); ++i) {
    auto c = chaos::Cidr::parse(spec.external_targets[i], fmt::format("spec.externalTargets[{}]", i));
    if (!c) return fail(std::move(c).error());
    if (std::find(peers.begin(), peers.end(), *c) == peers.end()) peers.push_back(*c);
  }
  return peers;
}

void set_specs(NodeFaultPlan& plan, const FaultView& view, const PlanContext& context, uint64_t remaining_ns) {
  auto peers = peers_of(view, context);
  if (!peers) {
    plan.phase = NodePhase::failed;
    plan.message = peers.error().message();
    return;
  }
  chaos::NetworkFaultPlacement placement;
  placement.base_name = engine_base_name(view.fault.uid);
  for (const auto& p : plan.pods) placement.pods[p.namespace_name].push_back(p.name);
  placement.peers = std::move(*peers);
  placement.duration_ns = remaining_ns;
  auto specs = chaos::fault_specs_for(view.fault, placement);
  if (!specs) {
    plan.phase = NodePhase::failed;
    plan.message = specs.error().message();
    return;
  }
  plan.phase = NodePhase::injected;
  plan.specs = std::move(*specs);
}

}  // namespace

std::string engine_base_name(const std::string& uid) { return "nf-" + uid; }

bool is_cluster_fault_name(const std::string& name) { return name.starts_with("nf-"); }

NodeFaultPlan plan_node_fault(const FaultView& view, const PlanContext& context) {
  const auto& fault = view.fault;
  NodeFaultPlan plan;
  plan.uid = fault.uid;
  plan.namespace_name = fault.namespace_name;
  plan.name = fault.name;
  plan.generation = fault.generation;
  // Duration counts from creation, so a node that starts late runs only the rest.
  int64_t end_ns = fault.created_unix * kNsPerSecond + static_cast<int64_t>(fault.spec.duration_ns);
  if (context.now_ns >= end_ns) {
    plan.phase = NodePhase::expired;
    return plan;
  }
  if (fault.paused) {
    plan.phase = NodePhase::paused;
    return plan;
  }
  if (!view.pods_synced) return plan;  // pending: leave the engine as it is
  for (const auto& p : view.candidates) {
    if (p.node_name == context.node) plan.here.insert(p.uid);
  }
  auto picked = context.pick(fault, fault.spec.mode, fault.spec.value,
                             eligible(view.candidates, fault.spec.mode, fault.created_unix));
  plan.picked_total = picked.size();
  for (auto& p : picked) {
    if (p.node_name == context.node) plan.pods.push_back(std::move(p));
  }
  if (plan.pods.empty()) {
    plan.phase = NodePhase::no_targets;
    return plan;
  }
  // Never more than the duration, even when this node's clock is behind
  // the API server's (a creationTimestamp "in the future").
  set_specs(plan, view, context,
            std::min(static_cast<uint64_t>(end_ns - context.now_ns), fault.spec.duration_ns));
  return plan;
}

}  // namespace seismo::cluster
