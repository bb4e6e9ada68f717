#include "chaos/pod_target_resolver.h"

#include <cerrno>

#include <fmt/format.h>

#include "common/log.h"
#include "pods/pod_network.h"

namespace seismo::chaos {

using pods::Pod;

Result<pods::PodSelection> selection_of(const PodSelectorSpec& spec) {
  pods::PodSelection sel;
  sel.namespaces = spec.namespaces;
  sel.pods = spec.pods;
  if (!spec.label_selector.empty()) {
    auto labels = pods::LabelSelector::parse(spec.label_selector);
    if (!labels) return fail(std::move(labels).error().wrap("selector.labelSelectors"));
    sel.labels = std::move(*labels);
  }
  return sel;
}

std::vector<Endpoint> PodTargetResolver::endpoints_for(const std::vector<Pod>& pods, const std::string& interface,
                                                       std::vector<std::string>* skipped) {
  std::vector<Endpoint> out;
  if (pods.empty()) return out;
  const pods::PodCgroupIndex cgroups = pods::scan_pod_cgroups(cgroup_root_);
  static const std::vector<pods::PodCgroupDir> kNone;
  for (const auto& pod : pods) {
    const std::string name = pod.namespace_name + "/" + pod.name;
    auto it = cgroups.find(pods::cgroup_uid(pod));
    auto net = pods::resolve_pod_network(cgroup_root_, it == cgroups.end() ? kNone : it->second, own_netns_,
                                          pod.host_network, interface);
    if (!net) {
      if (skipped) skipped->push_back(fmt::format("{}: {}", name, net.error().message()));
      continue;
    }
    out.push_back({std::move(net->netns), net->interface, "pod " + name, pod.uid, name, {}});
  }
  return out;
}

Result<std::vector<Endpoint>> PodTargetResolver::resolve(const TargetSpec& target) {
  if (target.kind != TargetKind::pods) return next_->resolve(target);
  if (!ready_())
    return fail_errno(EAGAIN, "selector: this node's pods have not been listed from the Kubernetes API yet; retry");
  auto sel = selection_of(target.selector);
  if (!sel) return fail(std::move(sel).error());
  std::vector<Pod> matching;
  const auto all = store_.snapshot();
  for (const auto& pod : all)
    if (sel->matches(pod)) matching.push_back(pod);
  if (matching.empty())
    return fail_errno(ENOENT, fmt::format("selector: none of the {} pods on this node matches", all.size()));
  std::vector<std::string> skipped;
  auto eps = endpoints_for(matching, target.interface.empty() ? "eth0" : target.interface, &skipped);
  if (eps.empty())
    return fail_errno(ESRCH, fmt::format("selector: {} pod(s) match but none has a network to fault: {}",
                                         matching.size(), fmt::join(skipped, "; ")));
  for (const auto& why : skipped) log::info("pod fault: {} left out: {}", why.substr(0, why.find(':')), why);
  return eps;
}

}  // namespace seismo::chaos
