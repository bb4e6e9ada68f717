#include "crd/spec_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/cidr.h"
#include "common/duration.h"
#include "common/json_fields.h"

namespace seismo::crd {

using json_fields::error;
using nlohmann::json;

namespace {

Result<uint16_t> port_number(std::string_view text, const std::string& field, std::string_view whole) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 65535)
    return error(field, fmt::format("'{}' is not a port or range (1-65535, e.g. \"80\" or \"8000-8080\")", whole));
  return static_cast<uint16_t>(n);
}

Result<PortRangeField> port_range(const json& v, const std::string& field) {
  if (v.is_number_unsigned() && v.get<uint64_t>() > 65535)
    return error(field, fmt::format("{} is not a port (1-65535)", v.get<uint64_t>()));
  if (v.is_number_integer()) {
    const auto n = v.get<int64_t>();
    if (n < 1 || n > 65535) return error(field, fmt::format("{} is not a port (1-65535)", n));
    return PortRangeField{static_cast<uint16_t>(n), static_cast<uint16_t>(n)};
  }
  auto text = json_fields::string_of(v, field, 16);
  if (!text) return fail(std::move(text).error());
  const auto dash = text->find('-');
  if (dash == std::string::npos) {
    auto p = port_number(*text, field, *text);
    if (!p) return fail(std::move(p).error());
    return PortRangeField{*p, *p};
  }
  auto lo = port_number(std::string_view(*text).substr(0, dash), field, *text);
  if (!lo) return fail(std::move(lo).error());
  auto hi = port_number(std::string_view(*text).substr(dash + 1), field, *text);
  if (!hi) return fail(std::move(hi).error());
  if (*lo > *hi) return error(field, fmt::format("'{}': the range ends before it starts", *text));
  return PortRangeField{*lo, *hi};
}

// Why an externalTargets entry that is no IP or CIDR was refused.
std::string target_refusal(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon != std::string::npos && text.find(':') == colon && colon + 1 < text.size())
    return fmt::format("'{}' carries a port; give the address or CIDR here and the port in spec.ports", text);
  const bool has_letter =
      std::any_of(text.begin(), text.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  if (has_letter && text.find(':') == std::string::npos)
    return fmt::format(
        "'{}' is a domain name; only IPs and CIDRs are accepted (a node resolving names on its "
        "own could pick other addresses than its neighbours)",
        text);
  return fmt::format("'{}' is not an IP address or CIDR", text);
}

}  // namespace

Result<double> parse_percent(const json& v, const std::string& field, bool below_100) {
  double p = 0;
  if (v.is_number()) {
    p = v.get<double>();
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), p);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
      return error(field, fmt::format("'{}' is not a percent (a number 0 to 100, e.g. \"30\")", s.substr(0, 40)));
  } else {
    return error(field, fmt::format("must be a percent (\"30\" or 30), not {}", json_fields::type_name(v)));
  }
  if (!std::isfinite(p) || p < 0 || p > 100 || (below_100 && p >= 100))
    return error(field,
                 fmt::format("{} is out of range ({})", format_percent(p), below_100 ? "0 to below 100" : "0 to 100"));
  return p;
}

std::string format_percent(double p) { return fmt::format("{}", p); }

Result<uint64_t> parse_bounded_duration(const json& v, const std::string& field, uint64_t max_ns, bool allow_zero) {
  auto text = json_fields::string_of(v, field, 64);
  if (!text) return fail(std::move(text).error());
  auto ns = parse_duration_ns(*text, field);
  if (!ns) return ns;
  if (*ns == 0 && !allow_zero) return error(field, fmt::format("'{}' must be longer than zero", *text));
  if (*ns > max_ns) return error(field, fmt::format("'{}' is longer than {}", *text, format_duration(max_ns)));
  return ns;
}

Result<std::vector<PortRangeField>> parse_ports(const json& v, const std::string& field) {
  if (!v.is_array())
    return error(field, fmt::format("must be a list of ports or ranges, not {}", json_fields::type_name(v)));
  if (v.size() > kMaxPortRanges)
    return error(field, fmt::format("{} entries, at most {} (the engine's filter holds {} ranges)", v.size(),
                                    kMaxPortRanges, kMaxPortRanges));
  std::vector<PortRangeField> out;
  for (size_t i = 0; i < v.size(); ++i) {
    auto r = port_range(v[i], fmt::format("{}[{}]", field, i));
    if (!r) return fail(std::move(r).error());
    out.push_back(*r);
  }
  return out;
}

json ports_to_json(const std::vector<PortRangeField>& ports) {
  json out = json::array();
  for (const auto& p : ports) out.push_back(p.lo == p.hi ? fmt::format("{}", p.lo) : fmt::format("{}-{}", p.lo, p.hi));
  return out;
}

Result<std::vector<std::string>> parse_external_targets(const json& v, const std::string& field) {
  if (!v.is_array())
    return error(field, fmt::format("must be a list of IPs and CIDRs, not {}", json_fields::type_name(v)));
  // Each entry checked before the count: a name among them is the likelier mistake.
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size() && i < 64; ++i) {
    const std::string item = fmt::format("{}[{}]", field, i);
    auto text = json_fields::string_of(v[i], item, 64);
    if (!text) return fail(std::move(text).error());
    if (!Cidr::parse(*text, item)) return error(item, target_refusal(*text));
    out.push_back(std::move(*text));
  }
  if (v.size() > kMaxExternalTargets)
    return error(field, fmt::format("{} entries, at most {} (the engine's filter holds {} prefixes)", v.size(),
                                    kMaxExternalTargets, kMaxExternalTargets));
  return out;
}

Result<std::string> parse_mode_value(const json& v, const std::string& field) {
  // Unsigned first: is_number_integer() holds for unsigned values too.
  if (v.is_number_unsigned()) return fmt::format("{}", v.get<uint64_t>());
  if (v.is_number_integer()) return fmt::format("{}", v.get<int64_t>());
  return json_fields::string_of(v, field, 20);
}

Result<uint64_t> parse_seed(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    if (v.get<int64_t>() < 0) return error(field, "must not be negative (an unsigned 64-bit integer)");
    return static_cast<uint64_t>(v.get<int64_t>());
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return n;
    return error(field, fmt::format("'{}' is not an unsigned 64-bit integer", s.substr(0, 40)));
  }
  return error(field, fmt::format("must be an unsigned 64-bit integer, not {}", json_fields::type_name(v)));
}

}  // namespace seismo::crd
