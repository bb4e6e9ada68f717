#pragma once

// Chaos Mesh's pod selector, whole (NetworkChaos `selector` and `target.selector`):
// which pods of the cluster an experiment may touch. Pure: matching needs only
// the pod and, for nodeSelectors, the labels of the pod's node.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "pods/label_selector.h"
#include "pods/pod.h"

namespace seismo::pods {

struct PodSelector {
  std::vector<std::string> namespaces;                  // namespaces; empty: every namespace
  std::map<std::string, std::string> label_selectors;   // labelSelectors: every key=value holds
  LabelSelector expression_selectors;                   // expressionSelectors (In, NotIn, Exists, DoesNotExist)
  std::map<std::string, std::string> annotation_selectors;  // annotationSelectors: every key=value holds
  std::vector<std::string> phases;                      // podPhaseSelectors; empty: any phase
  std::vector<std::string> nodes;                       // nodes: spec.nodeName is one of them
  std::map<std::string, std::string> node_selectors;    // nodeSelectors: the pod's node has every label
  // pods: namespace → names. When given it names the pods exactly and every
  // other field is ignored (Chaos Mesh's meaning).
  std::map<std::string, std::vector<std::string>> pods;

  // Whether nothing at all is asked (a selector must ask something).
  [[nodiscard]] bool empty() const;
  // `node_labels` are the labels of pod.node_name (empty when unknown; then a
  // selector with node_selectors does not match).
  [[nodiscard]] bool matches(const Pod& pod, const std::map<std::string, std::string>& node_labels = {}) const;
  // The labelSelector query a list may send so the API server filters
  // (labelSelectors and expressionSelectors, kubectl syntax); "" when none.
  [[nodiscard]] std::string label_query() const;
  // The labelSelector of a nodes list that finds the nodes nodeSelectors
  // asks for ("" when none, or when pods overrides it).
  [[nodiscard]] std::string node_label_query() const;
  // The one namespace a list may be scoped to, or "" (several or all).
  [[nodiscard]] std::string single_namespace() const;
  // Whether it needs node labels (node_selectors given and pods not).
  [[nodiscard]] bool needs_node_labels() const { return pods.empty() && !node_selectors.empty(); }

  bool operator==(const PodSelector&) const;
};

// Reads Chaos Mesh's selector object. `field` prefixes errors:
// "spec.selector.expressionSelectors[0].operator: 'Like' is not one of In, NotIn, Exists, DoesNotExist".
// Unknown keys are errors naming them (never ignored).
[[nodiscard]] Result<PodSelector> parse_pod_selector(const nlohmann::json& object, const std::string& field);
// Back to Chaos Mesh's JSON (parse_pod_selector accepts it).
[[nodiscard]] nlohmann::json to_json(const PodSelector& selector);

}  // namespace seismo::pods
