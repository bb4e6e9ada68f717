// Chaos Mesh's selector modes and their `value` (pods/rendezvous.h). The
// pick itself (rendezvous order, counts) is in pods/rendezvous.cpp.
#include <cerrno>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include "pods/rendezvous.h"

namespace seismo::pods {
namespace {

struct ModeName {
  PickMode mode;
  const char* name;
};
constexpr ModeName kModes[] = {{PickMode::one, "one"},
                               {PickMode::all, "all"},
                               {PickMode::fixed, "fixed"},
                               {PickMode::fixed_percent, "fixed-percent"},
                               {PickMode::random_max_percent, "random-max-percent"}};

// A count of pods no cluster reaches (Kubernetes supports 150,000 pods);
// the bound keeps the value an int everywhere it is used.
constexpr int64_t kMaxFixedPods = 1'000'000;

}  // namespace

Result<PickMode> parse_pick_mode(std::string_view text) {
  for (const auto& m : kModes)
    if (text == m.name) return m.mode;
  return fail_errno(EINVAL, fmt::format("'{}' is not one of one, all, fixed, fixed-percent, random-max-percent", text));
}

const char* pick_mode_name(PickMode mode) {
  for (const auto& m : kModes)
    if (m.mode == mode) return m.name;
  return "?";
}

Result<void> check_pick_value(PickMode mode, std::string_view value, const std::string& field) {
  if (mode == PickMode::one || mode == PickMode::all) {
    if (value.empty()) return {};
    return fail_errno(EINVAL,
                      fmt::format("{}: mode '{}' takes no value (got '{}')", field, pick_mode_name(mode), value));
  }
  if (value.empty())
    return fail_errno(EINVAL, fmt::format("{}: mode '{}' needs a value ({})", field, pick_mode_name(mode),
                                          mode == PickMode::fixed ? "how many pods, e.g. \"2\""
                                                                  : "a percent of the pods, 1 to 100, e.g. \"50\""));
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  const bool integer = ec == std::errc() && end == value.data() + value.size();
  if (mode == PickMode::fixed) {
    if (!integer || n < 1 || n > kMaxFixedPods)
      return fail_errno(EINVAL, fmt::format("{}: '{}' is not a pod count (an integer, 1 to {}) for mode 'fixed'", field,
                                            value, kMaxFixedPods));
    return {};
  }
  if (!integer || n < 1 || n > 100)
    return fail_errno(EINVAL, fmt::format("{}: '{}' is not a percent (an integer, 1 to 100) for mode '{}'", field,
                                          value, pick_mode_name(mode)));
  return {};
}

}  // namespace seismo::pods
