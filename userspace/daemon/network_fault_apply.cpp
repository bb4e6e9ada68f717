#include "daemon/network_fault_apply.h"

#include <fmt/format.h>

#include "chaos/network_fault_specs.h"
#include "chaos/spec_document.h"
#include "crd/document.h"
#include "pods/rendezvous.h"

namespace seismo::daemon {
namespace {

using nlohmann::json;

// What a local apply cannot do, whatever the pods: the checks that need none.
Result<void> check_local(const crd::NetworkFault& fault) {
  if (!chaos::check_fault_name(fault.name) || fault.name.starts_with("nf-"))
    return fail_errno(EINVAL, "metadata.name: '" + fault.name +
                                  "' cannot name a fault here (a-z, 0-9, '-', '.', '_', not starting with nf-)");
  if (fault.spec.target)
    return fail_errno(EINVAL, "spec.target: needs cluster mode (the target's pods may be on other nodes); "
                              "use externalTargets, or create the object with kubectl");
  if (fault.spec.selector.needs_node_labels())
    return fail_errno(EINVAL, "spec.selector.nodeSelectors: needs cluster mode (node labels come from the API)");
  return {};
}

Result<std::vector<chaos::FaultSpec>> specs_of(const crd::NetworkFault& fault, const std::vector<pods::Pod>& node_pods) {
  if (auto ok = check_local(fault); !ok) return fail(std::move(ok).error());
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

Result<std::vector<chaos::FaultSpec>> network_fault_specs(const std::vector<json>& documents,
                                                          const NodePods& node_pods) {
  auto faults = crd::read_network_faults(documents);
  if (!faults) return fail(std::move(faults).error());
  if (node_pods) return local_network_fault_specs(*faults, node_pods());
  // A bad document is told as such first, naming the field; a good one needs pods.
  for (std::size_t i = 0; i < faults->size(); ++i)
    if (auto ok = check_local((*faults)[i]); !ok) return fail(std::move(ok).error().wrap(fmt::format("faults[{}]", i)));
  return fail_errno(EOPNOTSUPP, "NetworkFault/NetworkChaos documents pick pods: seismod needs pods "
                                "(--node-name and an API server)");
}

}  // namespace

Result<std::vector<chaos::FaultSpec>> local_network_fault_specs(const std::vector<crd::NetworkFault>& faults,
                                                                const std::vector<pods::Pod>& node_pods) {
  std::vector<chaos::FaultSpec> out;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    auto specs = specs_of(faults[i], node_pods);
    if (!specs) return fail(std::move(specs).error().wrap(fmt::format("faults[{}]", i)));
    for (auto& s : *specs) out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<chaos::FaultSpec>> fault_document_specs(std::string_view text, const NodePods& node_pods) {
  auto documents = crd::read_documents(text, "fault document");
  if (!documents) return fail(std::move(documents).error());
  if (crd::has_kubernetes_kinds(*documents)) return network_fault_specs(*documents, node_pods);
  auto items = chaos::spec_document_items(*documents);
  if (!items) return fail(std::move(items).error());
  std::vector<chaos::FaultSpec> specs;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto spec = chaos::parse_fault_spec((*items)[i]);
    if (!spec) return fail(std::move(spec).error().wrap(fmt::format("faults[{}]", i)));
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace seismo::daemon
