#include "pods/pod_selection.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace seismo::pods {
namespace {

constexpr unsigned kMaxPercent = 100;

Result<unsigned> parse_number(std::string_view text, std::string_view mode) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail_plain(fmt::format("field 'mode': '{}' needs a non-negative integer after '{}:', got '{}'", mode,
                                  mode.substr(0, mode.find(':')), text));
  }
  return v;
}

}  // namespace

Result<SelectionMode> SelectionMode::parse(std::string_view text) {
  SelectionMode m;
  if (text == "all") return m;
  if (text == "one") {
    m.kind = Kind::one;
    return m;
  }
  auto colon = text.find(':');
  auto head = text.substr(0, colon);
  if (colon != std::string_view::npos && (head == "fixed" || head == "fixed-percent")) {
    auto n = parse_number(text.substr(colon + 1), text);
    if (!n) return fail(n.error());
    m.kind = head == "fixed" ? Kind::fixed : Kind::fixed_percent;
    m.value = *n;
    if (m.kind == Kind::fixed_percent && m.value > kMaxPercent) {
      return fail_plain(fmt::format("field 'mode': percent {} is above 100", m.value));
    }
    if (m.kind == Kind::fixed && m.value == 0) return fail_plain("field 'mode': fixed:0 selects no pod");
    return m;
  }
  return fail_plain(fmt::format("field 'mode': '{}' is not one of all, one, fixed:N, fixed-percent:P", text));
}

std::string SelectionMode::to_string() const {
  switch (kind) {
    case Kind::all: return "all";
    case Kind::one: return "one";
    case Kind::fixed: return fmt::format("fixed:{}", value);
    case Kind::fixed_percent: return fmt::format("fixed-percent:{}", value);
  }
  return "all";
}

bool PodSelection::matches(const Pod& pod) const {
  if (!pods.empty()) {
    auto it = pods.find(pod.namespace_name);
    return it != pods.end() && std::find(it->second.begin(), it->second.end(), pod.name) != it->second.end();
  }
  if (!namespaces.empty() &&
      std::find(namespaces.begin(), namespaces.end(), pod.namespace_name) == namespaces.end()) {
    return false;
  }
  return labels.matches(pod.labels);
}

Result<std::vector<Pod>> PodSelection::select(const std::vector<Pod>& candidates,
                                              const RandomIndex& random_index) const {
  std::vector<Pod> matched;
  for (const auto& p : candidates) {
    if (matches(p)) matched.push_back(p);
  }
  if (matched.empty()) return fail_plain("pod selection: no pod matches the selector");
  std::sort(matched.begin(), matched.end(), [](const Pod& a, const Pod& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  std::size_t want = matched.size();
  switch (mode.kind) {
    case SelectionMode::Kind::all: return matched;
    case SelectionMode::Kind::one: want = 1; break;
    case SelectionMode::Kind::fixed: want = std::min<std::size_t>(mode.value, matched.size()); break;
    case SelectionMode::Kind::fixed_percent: want = matched.size() * mode.value / kMaxPercent; break;
  }
  if (want == 0) {
    return fail_plain(fmt::format("pod selection: {} of {} matching pods is none", mode.to_string(), matched.size()));
  }
  // Partial Fisher-Yates: the first `want` slots become a uniform sample.
  for (std::size_t i = 0; i < want; ++i) {
    std::size_t j = i + random_index(matched.size() - i);
    if (j >= matched.size()) return fail_plain("pod selection: random index out of range");
    std::swap(matched[i], matched[j]);
  }
  matched.resize(want);
  std::sort(matched.begin(), matched.end(), [](const Pod& a, const Pod& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return matched;
}

}  // namespace seismo::pods
