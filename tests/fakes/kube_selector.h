#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace seismo::fakes {

// The server side of `labelSelector` and `fieldSelector`, parsed the way
// kube-apiserver parses them (k8s.io/apimachinery/pkg/labels/selector.go
// Parse, pkg/fields/selector.go ParseSelector) and matched against an object's
// JSON. Label operators: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
// `k` (exists), `!k` (does not exist); `!=` and `notin` match an object
// without the label, as upstream's Requirement.Matches does. The numeric
// `gt`/`lt` operators are not implemented (refused as a parse error). Field
// terms: `f=v`, `f==v`, `f!=v`, comma-joined (AND); which fields a resource
// may select on is the caller's list (upstream: the resource's field label
// conversion func; anything else is "field label not supported").
class KubeSelector {
 public:
  struct Term {
    std::string key;
    enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists } op = Op::kEquals;
    std::vector<std::string> values;
  };

  // An empty string selects everything.
  static Result<KubeSelector> parse_labels(std::string_view text);
  // `supported`: the field paths this resource accepts (e.g. spec.nodeName).
  static Result<KubeSelector> parse_fields(std::string_view text, const std::vector<std::string>& supported);

  // Labels are read from metadata.labels, fields from the dotted JSON path
  // (a missing field reads as ""); an object matches when every term does.
  [[nodiscard]] bool matches(const nlohmann::json& object) const;
  [[nodiscard]] bool empty() const { return terms_.empty(); }

 private:
  bool fields_ = false;
  std::vector<Term> terms_;
};

// The string value a field selector compares for `path` ("status.phase"),
// "" when absent; booleans read "true"/"false" as upstream's pod field set does.
[[nodiscard]] std::string field_value(const nlohmann::json& object, std::string_view path);

}  // namespace seismo::fakes
