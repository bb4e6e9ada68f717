#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace seismo::pods {

// A Kubernetes label selector in its string form ("app=web,tier!=db,
// env in (prod,staging),!canary"), with Kubernetes' meaning: every
// requirement must hold; "!=" and "notin" also match when the key is absent.
class LabelSelector {
 public:
  enum class Op { equals, not_equals, in, not_in, exists, not_exists };
  struct Requirement {
    std::string key;
    Op op = Op::exists;
    std::vector<std::string> values;
  };

  // The empty selector matches every pod.
  LabelSelector() = default;

  // Errors name the offset and what was expected: "label selector 'a in x':
  // at offset 5: expected '(' after 'in'".
  static Result<LabelSelector> parse(std::string_view text);
  // Chaos Mesh's labelSelectors map: every key=value must hold.
  static Result<LabelSelector> from_map(const std::map<std::string, std::string>& equals);
  // Requirements as Kubernetes' LabelSelectorRequirement gives them (Chaos
  // Mesh's expressionSelectors): keys and values checked, in/not_in with at
  // least one value, exists/not_exists with none.
  static Result<LabelSelector> from_requirements(std::vector<Requirement> requirements);

  [[nodiscard]] bool matches(const std::map<std::string, std::string>& labels) const;
  [[nodiscard]] bool empty() const { return requirements_.empty(); }
  [[nodiscard]] const std::vector<Requirement>& requirements() const { return requirements_; }
  // Merges another selector's requirements (logical AND).
  void add(const LabelSelector& other);

 private:
  std::vector<Requirement> requirements_;
};

// Key and value syntax checks (qualified name, ≤63 chars, alphanumeric ends).
[[nodiscard]] Result<void> validate_label_key(std::string_view key);
[[nodiscard]] Result<void> validate_label_value(std::string_view value);

}  // namespace seismo::pods
