#pragma once

// What the controller borrows from the pod-selection and resource layers
// (pods/pod_selector, pods/rendezvous, crd/network_fault), as function
// objects so the controller's own tests can fake them.

#include <functional>
#include <map>
#include <string>

#include "cluster/fault_store.h"
#include "cluster/node_plan.h"
#include "pods/pod_selector.h"

namespace seismo::cluster {

struct Selection {
  FaultStore::Parser parse;  // an object from the API server → NetworkFault
  Picker pick;               // the rendezvous pick
  std::function<bool(const pods::PodSelector&, const pods::Pod&, const std::map<std::string, std::string>&)> match;
  std::function<std::string(const pods::PodSelector&)> label_query;
  std::function<std::string(const pods::PodSelector&)> single_namespace;
};

// The real ones: crd::parse_network_fault(object, true), pods::pick keyed by
// fault.ranking_key(), PodSelector::matches / label_query / single_namespace.
[[nodiscard]] Selection default_selection();

}  // namespace seismo::cluster
