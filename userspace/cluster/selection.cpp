#include "cluster/selection.h"

#include "pods/rendezvous.h"

namespace seismo::cluster {

Selection default_selection() {
  Selection s;
  s.parse = [](const nlohmann::json& object) { return crd::parse_network_fault(object, true); };
  s.pick = [](const crd::NetworkFault& fault, pods::PickMode mode, const std::string& value,
              std::vector<pods::Pod> candidates) {
    return pods::pick(mode, value, fault.ranking_key(), std::move(candidates));
  };
  s.match = [](const pods::PodSelector& sel, const pods::Pod& pod, const std::map<std::string, std::string>& labels) {
    return sel.matches(pod, labels);
  };
  s.label_query = [](const pods::PodSelector& sel) { return sel.label_query(); };
  s.single_namespace = [](const pods::PodSelector& sel) { return sel.single_namespace(); };
  return s;
}

}  // namespace seismo::cluster
