#include "chaos/spec_fields.h"

#include <cerrno>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "chaos/duration.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

constexpr size_t kShownChars = 40;

// Appends a short rendering of v to out: stops once out holds kShownChars
// and never descends more than a few levels (a value from outside may nest
// 100k levels deep; dump() would recurse through all of them). Bytes that
// are not UTF-8 print as U+FFFD instead of throwing.
void show_json_into(const json& v, std::string& out, int depth) {
  if (out.size() > kShownChars) return;
  if (!v.is_structured()) {
    out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  const bool object = v.is_object();
  if (depth >= 3) {
    out += object ? "{…}" : "[…]";
    return;
  }
  out += object ? '{' : '[';
  bool first = true;
  for (auto it = v.begin(); it != v.end() && out.size() <= kShownChars; ++it) {
    if (!first) out += ',';
    first = false;
    if (object) out += json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ":";
    show_json_into(*it, out, depth + 1);
  }
  out += object ? '}' : ']';
}

}  // namespace

Unexpected invalid_field(std::string_view field, std::string_view why) {
  return fail_errno(EINVAL, fmt::format("{}: {}", field, why));
}

std::string show_json(const json& v) {
  std::string s;
  show_json_into(v, s, 0);
  return s.size() > kShownChars ? s.substr(0, kShownChars) + "…" : s;
}

// Rejects keys a schema level does not know (typos must not be ignored).
Result<void> only_known_keys(const json& obj, std::string_view where, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string field = where.empty() ? key : fmt::format("{}.{}", where, key);
      return invalid_field(field, "unknown field");
    }
  }
  return {};
}

Result<const json*> object_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid_field(field, "missing");
    return static_cast<const json*>(nullptr);
  }
  if (!it->is_object()) return invalid_field(field, fmt::format("must be an object, got {}", show_json(*it)));
  return &*it;
}

Result<std::string> string_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid_field(field, "missing");
    return std::string();
  }
  if (!it->is_string()) return invalid_field(field, fmt::format("must be a string, got {}", show_json(*it)));
  return it->get<std::string>();
}

// A finite number, or a string holding one with an optional '%' ("10",
// "10%"). from_chars reads "nan" and "inf", which range checks let through.
Result<double> number_value(const json& v, std::string_view field, bool allow_percent_sign) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (allow_percent_sign && !s.empty() && s.back() == '%') s.pop_back();
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(d)) return d;
  }
  return invalid_field(field, fmt::format("{} is not a number", show_json(v)));
}

Result<double> percent_field(const json& doc, std::string_view key, std::string_view field, bool required,
                             double limit, bool inclusive) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid_field(field, "missing");
    return 0.0;
  }
  auto v = number_value(*it, field, true);
  if (!v) return v;
  const bool too_big = inclusive ? *v > limit : *v >= limit;
  if (!std::isfinite(*v) || *v < 0 || too_big)
    return invalid_field(field, inclusive ? fmt::format("{} is outside 0 to {}", show_json(*it), limit)
                                    : fmt::format("{} is outside 0 to below {}", show_json(*it), limit));
  return *v;
}

Result<uint64_t> duration_field(const json& doc, std::string_view key, std::string_view field, bool required) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    if (required) return invalid_field(field, "missing (e.g. \"30s\")");
    return uint64_t{0};
  }
  if (it->is_number()) {
    if (it->get<double>() < 0) return invalid_field(field, fmt::format("{} is negative", show_json(*it)));
    return invalid_field(field, fmt::format("{} has no unit (write e.g. \"30s\" or \"100ms\")", show_json(*it)));
  }
  if (!it->is_string()) return invalid_field(field, fmt::format("must be a duration string, got {}", show_json(*it)));
  return parse_duration_ns(it->get<std::string>(), field);
}

}  // namespace seismo::chaos
