#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chaos/target_resolver.h"
#include "net/netns.h"
#include "pods/pod_selection.h"
#include "pods/pod_store.h"

namespace seismo::chaos {

// The PodSelection a fault's `selector` means (the spec was checked when
// parsed, so errors here only name a field for safety).
Result<pods::PodSelection> selection_of(const PodSelectorSpec& spec);

// Resolves `selector` targets against this node's pods: every matching pod
// whose network can be found becomes one endpoint (its netns and eth0,
// owner = pod uid), and the engine applies the fault's mode to them. Other
// targets go to `next`. `ready` says whether the store holds a first list.
class PodTargetResolver : public TargetResolver {
 public:
  PodTargetResolver(const pods::PodStore& store, std::string cgroup_root, net::Netns own_netns,
                    std::function<bool()> ready, std::unique_ptr<TargetResolver> next)
      : store_(store),
        cgroup_root_(std::move(cgroup_root)),
        own_netns_(std::move(own_netns)),
        ready_(std::move(ready)),
        next_(std::move(next)) {}

  Result<std::vector<Endpoint>> resolve(const TargetSpec& target) override;

  // Endpoints for these pods; a pod whose network cannot be resolved (no
  // process yet, host network, not a veth) is left out with its reason in
  // `skipped` ("default/web-1: …").
  std::vector<Endpoint> endpoints_for(const std::vector<pods::Pod>& pods, const std::string& interface,
                                      std::vector<std::string>* skipped);

 private:
  const pods::PodStore& store_;
  std::string cgroup_root_;
  net::Netns own_netns_;
  std::function<bool()> ready_;
  std::unique_ptr<TargetResolver> next_;
};

}  // namespace seismo::chaos
