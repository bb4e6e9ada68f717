// parse_guard: the `guard` field, one budget per key in the kernel's order.
#include "chaos/spec_guard.h"

#include <cmath>

#include <fmt/format.h>

#include "chaos/duration.h"
#include "chaos/fault_spec.h"
#include "chaos/spec_fields.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

// A whole number of events: a JSON integer, an integral float (YAML's 50.0)
// or a string of decimal digits (what `--guard tcp-retransmits=50` sends).
Result<uint64_t> budget_value(const json& v, const std::string& field) {
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)
    return invalid_field(field, fmt::format("{} is negative", show_json(v)));
  if (v.is_number_integer()) {
    const uint64_t n = v.get<uint64_t>();
    if (n > kMaxGuardBudget)
      return invalid_field(field, fmt::format("{} is over the maximum of {}", n, kMaxGuardBudget));
    return n;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d))
      return invalid_field(field, fmt::format("{} is not a whole number of events", show_json(v)));
    if (d < 0) return invalid_field(field, fmt::format("{} is negative", show_json(v)));
    if (d > static_cast<double>(kMaxGuardBudget))
      return invalid_field(field, fmt::format("{} is over the maximum of {}", show_json(v), kMaxGuardBudget));
    return static_cast<uint64_t>(d);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 13 && s.find_first_not_of("0123456789") == std::string::npos) {
      const uint64_t n = std::stoull(s);
      if (n > kMaxGuardBudget)
        return invalid_field(field, fmt::format("{} is over the maximum of {}", n, kMaxGuardBudget));
      return n;
    }
    if (!s.empty() && s.front() == '-') return invalid_field(field, fmt::format("{} is negative", show_json(v)));
  }
  return invalid_field(field, fmt::format("{} is not a whole number of events", show_json(v)));
}

// `dropped` and `delayed` count what this fault does: a budget on what the
// fault's kind never does could never abort it, which is a mistake.
Result<void> check_budget_fits(GuardBudget b, Action action, const std::string& field) {
  if (b == GuardBudget::dropped &&
      !(action == Action::loss || action == Action::partition || action == Action::bandwidth))
    return invalid_field(field, fmt::format("a {} fault drops no packets (only loss, partition and bandwidth do)",
                                            action_name(action)));
  if (b == GuardBudget::delayed && !(action == Action::delay || action == Action::bandwidth))
    return invalid_field(field, fmt::format("a {} fault delays no packets (only delay and bandwidth do)",
                                            action_name(action)));
  return {};
}

}  // namespace

Result<GuardSpec> parse_guard(const json& guard, Action action) {
  if (!guard.is_object())
    return invalid_field("guard", fmt::format("must be an object of budgets, got {}", show_json(guard)));
  for (const auto& [key, _] : guard.items()) {
    if (key != "window" && !guard_budget_from_key(key))
      return invalid_field(fmt::format("guard.{}", key.substr(0, 40)),
                           "unknown budget; known: window, dropped, delayed, tcpRetransmits, tcpResets, "
                           "tcpResetsSent, tcpResetsReceived, tcpConnectFailures");
  }
  GuardSpec out;
  for (GuardBudget b : kAllGuardBudgets) {
    auto it = guard.find(guard_budget_key(b));
    if (it == guard.end() || it->is_null()) continue;
    const std::string field = fmt::format("guard.{}", guard_budget_key(b));
    auto max = budget_value(*it, field);
    if (!max) return fail(std::move(max).error());
    if (*max == 0)
      return invalid_field(field, "0 is not a budget: the fault aborts when the count passes the budget, so the "
                                  "smallest is 1 (aborts at the second event)");
    if (auto r = check_budget_fits(b, action, field); !r) return fail(std::move(r).error());
    out.limits.push_back({b, *max});
  }
  auto window = duration_field(guard, "window", "guard.window", false);
  if (!window) return fail(std::move(window).error());
  if (guard.contains("window") && !guard["window"].is_null()) {
    if (*window < kMinGuardWindowNs || *window > kMaxGuardWindowNs)
      return invalid_field("guard.window", fmt::format("{} is outside {} to {}", format_duration(*window),
                                                       format_duration(kMinGuardWindowNs),
                                                       format_duration(kMaxGuardWindowNs)));
    out.window_ns = *window;
  }
  if (out.limits.empty())
    return invalid_field("guard", "gives no budget (e.g. guard: {tcpRetransmits: 50}); leave guard out for none");
  return out;
}

json guard_json(const GuardSpec& guard) {
  if (guard.empty()) return nullptr;
  json out = json::object();
  if (guard.window_ns) out["window"] = format_duration(guard.window_ns);
  for (const auto& l : guard.limits) out[guard_budget_key(l.budget)] = l.max;
  return out;
}

}  // namespace seismo::chaos
