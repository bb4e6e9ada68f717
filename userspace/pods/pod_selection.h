#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pods/label_selector.h"
#include "pods/pod.h"

namespace seismo::pods {

// How many of the matching pods a fault takes (Chaos Mesh's modes).
struct SelectionMode {
  enum class Kind { all, one, fixed, fixed_percent };
  Kind kind = Kind::all;
  unsigned value = 0;  // N for fixed, P (0-100) for fixed-percent

  // "all", "one", "fixed:N", "fixed-percent:P"
  static Result<SelectionMode> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;
};

// Returns a uniformly random index in [0, n); injected so tests are exact.
using RandomIndex = std::function<std::size_t(std::size_t n)>;

// Chaos Mesh's selector: {namespaces, labelSelectors, pods}. When `pods`
// (namespace → names) is given it selects exactly those pods and the other
// fields are ignored, as in Chaos Mesh. An empty namespace list means all.
struct PodSelection {
  std::vector<std::string> namespaces;
  LabelSelector labels;
  std::map<std::string, std::vector<std::string>> pods;
  SelectionMode mode;

  [[nodiscard]] bool matches(const Pod& pod) const;
  // The pods that match, then the mode's subset of them (sorted by
  // namespace/name). Errors when nothing matches.
  [[nodiscard]] Result<std::vector<Pod>> select(const std::vector<Pod>& candidates,
                                                const RandomIndex& random_index) const;
};

}  // namespace seismo::pods
