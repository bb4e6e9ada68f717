#include "chaos/spec_filter.h"

#include <charconv>
#include <string>

#include <fmt/format.h>

#include "chaos/spec_fields.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

Result<PortRange> parse_port(const json& v, std::string_view field) {
  auto bad = [&] { return invalid_field(field, fmt::format("{} is not a port (1-65535) or range (\"8000-8080\")", show_json(v))); };
  auto one = [](std::string_view s, uint16_t& out) {
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || n == 0 || n > 65535) return false;
    out = static_cast<uint16_t>(n);
    return true;
  };
  PortRange r;
  if (v.is_number_integer()) {
    if (!one(std::to_string(v.get<int64_t>()), r.lo)) return bad();
    r.hi = r.lo;
    return r;
  }
  if (!v.is_string()) return bad();
  std::string s = v.get<std::string>();
  auto dash = s.find('-');
  if (dash == std::string::npos) {
    if (!one(s, r.lo)) return bad();
    r.hi = r.lo;
    return r;
  }
  if (!one(std::string_view(s).substr(0, dash), r.lo) || !one(std::string_view(s).substr(dash + 1), r.hi) || r.lo > r.hi)
    return bad();
  return r;
}

}  // namespace

Result<FilterSpec> parse_filter(const json& f) {
  if (auto r = only_known_keys(f, "filter", {"cidrs", "protocol", "ports"}); !r) return fail(std::move(r).error());
  FilterSpec filter;
  if (auto it = f.find("cidrs"); it != f.end() && !it->is_null()) {
    if (!it->is_array()) return invalid_field("filter.cidrs", "must be a list of CIDRs");
    if (it->size() > kMaxCidrs) return invalid_field("filter.cidrs", fmt::format("at most {} CIDRs", kMaxCidrs));
    for (size_t i = 0; i < it->size(); ++i) {
      std::string field = fmt::format("filter.cidrs[{}]", i);
      if (!(*it)[i].is_string()) return invalid_field(field, fmt::format("{} is not a CIDR string", show_json((*it)[i])));
      auto c = Cidr::parse((*it)[i].get<std::string>(), field);
      if (!c) return fail(std::move(c).error());
      filter.cidrs.push_back(*c);
    }
  }
  if (auto it = f.find("protocol"); it != f.end() && !it->is_null()) {
    std::string p = it->is_string() ? it->get<std::string>() : "";
    if (p == "tcp") filter.protocol = 6;
    else if (p == "udp") filter.protocol = 17;
    else if (p == "icmp") filter.protocol = 1;
    else if (p == "any" || p == "all") filter.protocol = 0;
    else return invalid_field("filter.protocol", fmt::format("{} is not one of tcp, udp, icmp, any", show_json(*it)));
  }
  if (auto it = f.find("ports"); it != f.end() && !it->is_null()) {
    if (!it->is_array()) return invalid_field("filter.ports", "must be a list of ports or ranges");
    if (it->size() > kMaxPortRanges) return invalid_field("filter.ports", fmt::format("at most {} ports or ranges", kMaxPortRanges));
    for (size_t i = 0; i < it->size(); ++i) {
      auto p = parse_port((*it)[i], fmt::format("filter.ports[{}]", i));
      if (!p) return fail(std::move(p).error());
      filter.ports.push_back(*p);
    }
    if (!filter.ports.empty() && filter.protocol != 0 && filter.protocol != 6 && filter.protocol != 17)
      return invalid_field("filter.ports", "ports need protocol tcp, udp or any");
  }
  return filter;
}

bool filters_overlap(const FilterSpec& a, const FilterSpec& b) {
  if (a.protocol != 0 && b.protocol != 0 && a.protocol != b.protocol) return false;
  if (!a.cidrs.empty() && !b.cidrs.empty()) {
    bool any = false;
    for (const auto& x : a.cidrs)
      for (const auto& y : b.cidrs) any = any || x.overlaps(y);
    if (!any) return false;
  }
  // Ports match either side of a packet, so a port from each list can meet
  // in one packet (source from one, destination from the other): port
  // filters never make two faults disjoint.
  return true;
}

}  // namespace seismo::chaos
