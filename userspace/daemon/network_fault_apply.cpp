#include "daemon/network_fault_apply.h"

#include <fmt/format.h>

#include "chaos/network_fault_specs.h"
#include "crd/network_chaos.h"
#include "crd/network_fault.h"
#include "pods/rendezvous.h"

namespace seismo::daemon {
namespace {

using nlohmann::json;

std::string kind_of(const json& item) { return item.is_object() ? item.value("kind", "") : ""; }

Result<crd::NetworkFault> fault_of(const json& item) {
  if (kind_of(item) == "NetworkChaos") {
    auto converted = crd::network_fault_from_chaos(item);
    if (!converted) return fail(std::move(converted).error());
    return crd::parse_network_fault(*converted, false);
  }
  return crd::parse_network_fault(item, false);
}

Result<std::vector<chaos::FaultSpec>> specs_of(const crd::NetworkFault& fault, const std::vector<pods::Pod>& node_pods) {
  if (fault.spec.target)
    return fail_errno(EINVAL, "spec.target: needs cluster mode (the target's pods may be on other nodes); "
                              "use externalTargets, or create the object with kubectl");
  if (fault.spec.selector.needs_node_labels())
    return fail_errno(EINVAL, "spec.selector.nodeSelectors: needs cluster mode (node labels come from the API)");
  std::vector<pods::Pod> candidates;
  for (const auto& p : node_pods) {
    if (fault.spec.selector.matches(p)) candidates.push_back(p);
  }
  // Without a uid (a document a user wrote) the ranking key is the seed or the name.
  std::string key = fault.uid.empty() && !fault.spec.seed ? fault.namespace_name + "/" + fault.name
                                                          : fault.ranking_key();
  auto picked = pods::pick(fault.spec.mode, fault.spec.value, key, std::move(candidates));
  if (picked.empty())
    return fail_errno(ENOENT, "spec.selector: no pod on this node matches (local apply hits this node's pods only)");
  chaos::NetworkFaultPlacement placement;
  placement.base_name = fault.name;
  for (const auto& p : picked) placement.pods[p.namespace_name].push_back(p.name);
  for (std::size_t i = 0; i < fault.spec.external_targets.size(); ++i) {
    auto c = chaos::Cidr::parse(fault.spec.external_targets[i], fmt::format("spec.externalTargets[{}]", i));
    if (!c) return fail(std::move(c).error());
    placement.peers.push_back(*c);
  }
  placement.duration_ns = fault.spec.duration_ns;
  return chaos::fault_specs_for(fault, placement);
}

}  // namespace

bool holds_network_faults(const std::vector<json>& items) {
  for (const auto& item : items) {
    auto kind = kind_of(item);
    if (kind == "NetworkFault" || kind == "NetworkChaos") return true;
  }
  return false;
}

Result<std::vector<chaos::FaultSpec>> local_network_fault_specs(const std::vector<json>& items,
                                                                const std::vector<pods::Pod>& node_pods) {
  std::vector<chaos::FaultSpec> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto where = fmt::format("faults[{}]", i);
    auto kind = kind_of(items[i]);
    if (kind != "NetworkFault" && kind != "NetworkChaos")
      return fail_errno(EINVAL, where + ".kind: a document with NetworkFault or NetworkChaos objects holds only those");
    auto fault = fault_of(items[i]);
    if (!fault) return fail(std::move(fault).error().wrap(where));
    if (!chaos::check_fault_name(fault->name) || fault->name.starts_with("nf-"))
      return fail_errno(EINVAL, where + ".metadata.name: '" + fault->name +
                                    "' cannot name a fault here (a-z, 0-9, '-', '.', '_', not starting with nf-)");
    auto specs = specs_of(*fault, node_pods);
    if (!specs) return fail(std::move(specs).error().wrap(where));
    for (auto& s : *specs) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace seismo::daemon
