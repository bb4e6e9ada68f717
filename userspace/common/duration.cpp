#include "common/duration.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace seismo {

namespace {

struct Unit {
  std::string_view name;
  double ns;
};
constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};

}  // namespace

Result<uint64_t> parse_duration_ns(std::string_view text, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return fail_errno(EINVAL, fmt::format("{}: '{}' {} (use a number with a unit: ns, us, ms, s, m, h; e.g. \"30s\")",
                                          field, text, why));
  };
  if (text.empty()) return bad("is empty");
  if (text.front() == '-') return bad("is negative");
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t i = 0;
    while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) ++i;
    if (i == 0) return bad("is not a duration");
    std::string number(rest.substr(0, i));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return bad("is not a duration");
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !std::isdigit(static_cast<unsigned char>(rest[j])) && rest[j] != '.') ++j;
    std::string_view unit = rest.substr(0, j);
    if (unit.empty()) return bad("has no unit");
    const Unit* match = nullptr;
    for (const auto& u : kUnits)
      if (u.name == unit) match = &u;
    if (!match) return bad(fmt::format("has an unknown unit '{}'", unit));
    total += value * match->ns;
    rest.remove_prefix(j);
  }
  if (!std::isfinite(total) || total > 1e18) return bad("is too large");
  return static_cast<uint64_t>(std::llround(total));
}

std::string format_duration(uint64_t ns) {
  if (ns == 0) return "0s";
  if (ns % 1'000'000'000 == 0) {
    uint64_t s = ns / 1'000'000'000;
    if (s >= 3600 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
    if (s >= 60 && s % 60 == 0) return fmt::format("{}m", s / 60);
    if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
    return fmt::format("{}s", s);
  }
  if (ns >= 1'000'000'000) return fmt::format("{}s", static_cast<double>(ns) / 1e9);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns >= 1'000'000) return fmt::format("{}ms", static_cast<double>(ns) / 1e6);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

}  // namespace seismo
