// The bandwidth kind: rates in tc's units, bucket sizes, their bounds, the
// canonical JSON and the kernel's encoding (bpf/lib/fault_bandwidth.bpf.h).
#include "chaos/spec_bandwidth.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "chaos/spec_fields.h"
#include "chaos/spec_kinds.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

struct RateUnit {
  std::string_view name;
  double bits;
};

// tc(8), UNITS: SI prefixes are powers of 1000, IEC ones of 1024; "bps" is
// bytes per second. tc compares them case-insensitively.
constexpr RateUnit kRateUnits[] = {
    {"", 1},         {"bit", 1},          {"kbit", 1e3},       {"mbit", 1e6},       {"gbit", 1e9},
    {"tbit", 1e12},  {"kibit", 1024.0},   {"mibit", 1048576.0}, {"gibit", 1073741824.0},
    {"tibit", 1099511627776.0},           {"bps", 8},          {"kbps", 8e3},       {"mbps", 8e6},
    {"gbps", 8e9},   {"tbps", 8e12},      {"kibps", 8 * 1024.0}, {"mibps", 8 * 1048576.0},
    {"gibps", 8 * 1073741824.0},          {"tibps", 8 * 1099511627776.0},
};

constexpr const char* kRateHint = "'10mbit' is 10 megabits per second, '10mbps' 10 megabytes per second (tc's units)";

Result<uint64_t> rate_in_bounds(double bits, std::string_view field, const std::string& shown) {
  if (!(bits >= static_cast<double>(kMinRateBps)))
    return invalid_field(field, fmt::format("{} is below 8 bit/s (one byte per second)", shown));
  if (bits > static_cast<double>(kMaxRateBps))
    return invalid_field(field, fmt::format("{} is above 100gbit (the largest rate seismo shapes)", shown));
  return static_cast<uint64_t>(std::llround(bits));
}

Result<uint64_t> parse_rate_string(const std::string& s, std::string_view field) {
  const std::string shown = show_json(json(s));
  size_t digits = 0;
  while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.')) ++digits;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + digits, value);
  if (digits == 0 || ec != std::errc() || end != s.data() + digits || !std::isfinite(value))
    return invalid_field(field, fmt::format("{} is not a rate ({})", shown, kRateHint));
  const std::string_view unit(s.data() + digits, s.size() - digits);
  std::string lower(unit);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool bytes = lower.size() >= 3 && lower.compare(lower.size() - 3, 3, "bps") == 0;
  if (bytes && lower != unit)
    return invalid_field(field, fmt::format("{} is ambiguous: tc and Chaos Mesh read '{}' as BYTES per second, "
                                            "where it is often meant as bits; write it in lower case ({})",
                                            shown, lower, kRateHint));
  for (const auto& u : kRateUnits)
    if (u.name == lower) return rate_in_bounds(value * u.bits, field, shown);
  return invalid_field(field, fmt::format("{}: unknown unit '{}' (bit, kbit, mbit, gbit, tbit, kibit…; bps, kbps, "
                                          "mbps, gbps, tbps for bytes per second)",
                                          shown, show_json(json(std::string(unit)))));
}

// A byte count: a non-negative integral number in [min, max].
Result<uint64_t> size_field(const json& p, std::string_view key, std::string_view field, uint64_t min, uint64_t max) {
  const json& v = p.at(key);
  if (!v.is_number()) return invalid_field(field, fmt::format("must be a number of bytes, got {}", show_json(v)));
  const double d = v.get<double>();
  if (v.is_number_float() && (!std::isfinite(d) || d != std::floor(d)))
    return invalid_field(field, fmt::format("{} is not a whole number of bytes", show_json(v)));
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)
    return invalid_field(field, fmt::format("{} is negative", show_json(v)));
  if (d < static_cast<double>(min) || d > static_cast<double>(max))
    return invalid_field(field, fmt::format("{} is outside {} to {} bytes", show_json(v), min, max));
  return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(d);
}

Result<BandwidthMode> mode_field(const json& p) {
  auto m = string_field(p, "mode", "bandwidth.mode", false);
  if (!m) return fail(std::move(m).error());
  if (m->empty() || *m == "auto") return BandwidthMode::automatic;
  if (*m == "shape") return BandwidthMode::shape;
  if (*m == "police") return BandwidthMode::police;
  return invalid_field("bandwidth.mode", fmt::format("'{}' is not one of auto, shape, police", show_json(json(*m))));
}

// peakrate and minburst: tbf's second bucket, both or neither.
Result<void> parse_peak(const json& p, BandwidthSpec& out) {
  const bool has_peak = p.contains("peakrate") && !p["peakrate"].is_null();
  const bool has_min = p.contains("minburst") && !p["minburst"].is_null();
  if (has_min && !has_peak) return invalid_field("bandwidth.minburst", "given without bandwidth.peakrate");
  if (!has_peak) return {};
  if (!has_min)
    return invalid_field("bandwidth.minburst", "missing: a peakrate needs the size of its bucket (one MTU for "
                                               "packet-exact pacing)");
  if (p["peakrate"].is_number())
    return invalid_field("bandwidth.peakrate", "give a unit ('20mbit', or '2500kbps' for bytes): Chaos Mesh's bare "
                                               "number means bytes per second, tc's bits per second");
  auto peak = parse_rate(p["peakrate"], "bandwidth.peakrate");
  if (!peak) return fail(std::move(peak).error());
  if (*peak <= out.rate_bps)
    return invalid_field("bandwidth.peakrate", fmt::format("{} is not above the rate {} (a peak bucket only limits "
                                                           "bursts faster than the rate)",
                                                           format_rate(*peak), format_rate(out.rate_bps)));
  auto min = size_field(p, "minburst", "bandwidth.minburst", 1, kMaxBandwidthBytes);
  if (!min) return fail(std::move(min).error());
  out.peakrate_bps = *peak;
  out.minburst_bytes = *min;
  return {};
}

}  // namespace

Result<uint64_t> parse_rate(const json& v, std::string_view field) {
  if (v.is_string()) return parse_rate_string(v.get_ref<const std::string&>(), field);
  if (v.is_number()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return invalid_field(field, fmt::format("{} is not a rate", show_json(v)));
    return rate_in_bounds(d, field, show_json(v));  // a bare number: bits per second, as tc reads it
  }
  return invalid_field(field, fmt::format("must be a rate such as \"10mbit\", got {}", show_json(v)));
}

std::string format_rate(uint64_t bps) {
  constexpr std::pair<uint64_t, const char*> units[] = {
      {1'000'000'000'000ULL, "tbit"}, {1'000'000'000ULL, "gbit"}, {1'000'000ULL, "mbit"}, {1'000ULL, "kbit"}};
  for (const auto& [n, name] : units)
    if (bps >= n && bps % n == 0) return fmt::format("{}{}", bps / n, name);
  return fmt::format("{}bit", bps);
}

uint64_t default_buffer_bytes(uint64_t rate_bps) { return std::max<uint64_t>(kMinDefaultBuffer, rate_bps / 8 / 100); }
uint64_t default_police_buffer_bytes(uint64_t rate_bps) {
  return std::clamp<uint64_t>(rate_bps / 8 / 5, kMinDefaultBuffer, kMaxBandwidthBytes);
}
uint64_t default_limit_bytes(uint64_t rate_bps) {
  // No more than fq's horizon holds at the rate (a slow rate: 10 s of it).
  const uint64_t horizon = std::max<uint64_t>(1, rate_bps / 8 * (kMaxLatencyNs / 1'000'000'000));
  return std::min(horizon, std::max<uint64_t>(kMinDefaultBuffer, rate_bps / 8 / 20));
}

const char* bandwidth_mode_name(BandwidthMode mode) {
  switch (mode) {
    case BandwidthMode::automatic: return "auto";
    case BandwidthMode::shape: return "shape";
    case BandwidthMode::police: return "police";
  }
  return "?";
}

std::string bandwidth_mode_status(BandwidthMode mode, bool fq_available) {
  if (mode == BandwidthMode::shape) return "shaping (fq)";
  if (mode == BandwidthMode::police) return fq_available ? "policing (asked for)" : "policing (no fq)";
  return fq_available ? "shaping (fq)" : "policing (no fq)";
}

Result<void> parse_bandwidth(const json& p, BandwidthSpec& out) {
  if (auto r = only_known_keys(p, "bandwidth", {"rate", "limit", "buffer", "peakrate", "minburst", "mode"}); !r)
    return r;
  if (!p.contains("rate") || p["rate"].is_null()) return invalid_field("bandwidth.rate", "missing");
  auto rate = parse_rate(p["rate"], "bandwidth.rate");
  if (!rate) return fail(std::move(rate).error());
  BandwidthSpec spec;
  spec.rate_bps = *rate;
  spec.buffer_bytes = default_buffer_bytes(*rate);
  spec.buffer_defaulted = true;
  spec.limit_bytes = default_limit_bytes(*rate);
  if (p.contains("buffer") && !p["buffer"].is_null()) {
    auto b = size_field(p, "buffer", "bandwidth.buffer", 1, kMaxBandwidthBytes);
    if (!b) return fail(std::move(b).error());
    spec.buffer_bytes = *b;
    spec.buffer_defaulted = false;
  }
  if (p.contains("limit") && !p["limit"].is_null()) {
    auto l = size_field(p, "limit", "bandwidth.limit", 1, kMaxBandwidthBytes);
    if (!l) return fail(std::move(l).error());
    spec.limit_bytes = *l;
  }
  // What may wait is bounded by fq's horizon: beyond it fq drops the packet.
  const double wait_s = static_cast<double>(spec.limit_bytes) * 8.0 / static_cast<double>(spec.rate_bps);
  if (wait_s * 1e9 > static_cast<double>(kMaxLatencyNs))
    return invalid_field("bandwidth.limit", fmt::format("{} bytes at {} would wait {:.1f}s, beyond fq's 10s horizon",
                                                        spec.limit_bytes, format_rate(spec.rate_bps), wait_s));
  if (auto r = parse_peak(p, spec); !r) return r;
  auto mode = mode_field(p);
  if (!mode) return fail(std::move(mode).error());
  spec.mode = *mode;
  out = spec;
  return {};
}

json bandwidth_json(const BandwidthSpec& spec) {
  json out = {{"rate", format_rate(spec.rate_bps)}, {"limit", spec.limit_bytes}, {"buffer", spec.buffer_bytes}};
  if (spec.peakrate_bps) {
    out["peakrate"] = format_rate(spec.peakrate_bps);
    out["minburst"] = spec.minburst_bytes;
  }
  if (spec.mode != BandwidthMode::automatic) out["mode"] = bandwidth_mode_name(spec.mode);
  return out;
}

void encode_bandwidth(const BandwidthSpec& spec, fault_cfg& cfg) {
  cfg.action = SEISMO_FAULT_BANDWIDTH;
  if (spec.mode == BandwidthMode::shape) cfg.flags |= SEISMO_FAULT_F_SHAPE;
  // At least one byte per second (kMinRateBps): the kernel divides by it.
  cfg.rate_Bps = std::max<uint64_t>(1, spec.rate_bps / 8);
  cfg.peak_Bps = spec.peakrate_bps / 8;
  cfg.burst_bytes = static_cast<uint32_t>(std::min<uint64_t>(spec.buffer_bytes, kMaxBandwidthBytes));
  cfg.limit_bytes = static_cast<uint32_t>(std::min<uint64_t>(spec.limit_bytes, kMaxBandwidthBytes));
  cfg.minburst_bytes = static_cast<uint32_t>(std::min<uint64_t>(spec.minburst_bytes, kMaxBandwidthBytes));
}

}  // namespace seismo::chaos
