// Label selectors (`seismo ... -l`, a fault's labelSelectors): parse, and
// matching against a label set built from the same input.
// Input: the selector, then optionally '\0' and "k=v" lines as labels.
#include <map>

#include "fuzz_check.h"
#include "pods/label_selector.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  auto nul = text.find('\0');
  auto selector_text = text.substr(0, nul);
  std::map<std::string, std::string> labels;
  if (nul != std::string_view::npos) {
    auto rest = text.substr(nul + 1);
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      auto line = rest.substr(0, nl);
      auto eq = line.find('=');
      labels[std::string(line.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
  auto sel = pods::LabelSelector::parse(selector_text);
  if (!sel) {
    fuzz::check(sel.error().message().starts_with("label selector"), "the error names the selector");
    return 0;
  }
  bool matched = sel->matches(labels);
  // Every requirement is well formed; the empty selector matches anything.
  for (const auto& r : sel->requirements()) {
    fuzz::check(static_cast<bool>(pods::validate_label_key(r.key)), "key '" + r.key + "' is valid");
    for (const auto& v : r.values) fuzz::check(static_cast<bool>(pods::validate_label_value(v)), "value '" + v + "' is valid");
  }
  fuzz::check(!sel->empty() || matched, "the empty selector matches every label set");
  pods::LabelSelector merged;
  merged.add(*sel);
  fuzz::check(merged.matches(labels) == matched, "add() of one selector keeps its meaning");
  return 0;
}
