#pragma once

// The scalar fields of a NetworkFault spec as Chaos Mesh writes them
// (percents as strings, durations with units) read with errors naming the
// field. Shared by the NetworkFault reader and the NetworkChaos conversion.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "crd/network_fault.h"

namespace seismo::crd {

inline constexpr uint64_t kMaxFaultDurationNs = 24ULL * 3600 * 1'000'000'000;  // the engine's bound
inline constexpr uint64_t kMaxLatencyNs = 10ULL * 1'000'000'000;               // fq's default horizon
inline constexpr size_t kMaxPortRanges = 4;                                    // the engine's filter holds 4 ranges
inline constexpr size_t kMaxExternalTargets = 1024;  // the engine's peer set per fault (SEISMO_FAULT_PEERS_PER_FAULT)
inline constexpr int64_t kMaxReorderGap = 1'000'000;  // the engine's bound on delay.reorder.gap

// A percent: "30", "12.5" (Chaos Mesh's strings) or a number. 0..100, or
// below 100 when `below_100` (correlations).
[[nodiscard]] Result<double> parse_percent(const nlohmann::json& v, const std::string& field, bool below_100);
// The shortest text for a percent ("30", "12.5"), as Chaos Mesh writes it.
[[nodiscard]] std::string format_percent(double p);

// A duration string with a unit ("100ms"), at most `max_ns`; 0 allowed when `allow_zero`.
[[nodiscard]] Result<uint64_t> parse_bounded_duration(const nlohmann::json& v, const std::string& field,
                                                      uint64_t max_ns, bool allow_zero);

// ports: ["80", "8000-8080", 443]; at most kMaxPortRanges, 1..65535.
[[nodiscard]] Result<std::vector<PortRangeField>> parse_ports(const nlohmann::json& v, const std::string& field);
[[nodiscard]] nlohmann::json ports_to_json(const std::vector<PortRangeField>& ports);

// externalTargets: IPs and CIDRs only; a domain name or host:port is refused naming the entry.
[[nodiscard]] Result<std::vector<std::string>> parse_external_targets(const nlohmann::json& v,
                                                                      const std::string& field);

// value: Chaos Mesh's string ("2"), an integer accepted too.
[[nodiscard]] Result<std::string> parse_mode_value(const nlohmann::json& v, const std::string& field);

// seed: an unsigned 64-bit integer, as a number or a decimal string.
[[nodiscard]] Result<uint64_t> parse_seed(const nlohmann::json& v, const std::string& field);

}  // namespace seismo::crd
