#pragma once

// The bandwidth kind's parameters (docs/faults.md, Bandwidth): rates in tc's
// and Chaos Mesh's units, sizes in bytes, the defaults and bounds.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chaos/fault_spec.h"
#include "common/result.h"

namespace seismo::chaos {

inline constexpr uint64_t kMinRateBps = 8;                         // one byte per second
inline constexpr uint64_t kMaxRateBps = 100'000'000'000ULL;       // 100 Gbit/s
inline constexpr uint64_t kMaxBandwidthBytes = 1ULL << 30;         // buffer, limit, minburst
inline constexpr uint64_t kMinDefaultBuffer = 64 * 1024;           // one GSO packet

// A rate as tc(8) writes it, in bits per second: a bare number or "bit" is
// bits, "kbit"/"mbit"/"gbit"/"tbit" powers of 1000 of them (kibit… of 1024),
// and "bps"/"kbps"/"mbps"/"gbps"/"tbps" BYTES per second (8 bits), as tc
// and Chaos Mesh read them. "Mbps" and other capitalised byte units are
// refused as ambiguous (commonly meant as megabits). EINVAL names `field`.
Result<uint64_t> parse_rate(const nlohmann::json& v, std::string_view field);
// bps in the largest SI bit unit that holds it exactly ("10mbit").
std::string format_rate(uint64_t bps);

// The defaults when buffer / limit are not given: 10 ms and 50 ms at the
// rate, at least one 64 KiB GSO packet (the limit at most 10 s at the rate,
// fq's horizon).
uint64_t default_buffer_bytes(uint64_t rate_bps);
uint64_t default_limit_bytes(uint64_t rate_bps);
// A policing fault's buffer when none is given: 200 ms at the rate (TCP's
// minimum retransmission timeout), at least 64 KiB, at most 1 GiB. A policer
// passes about one bucket per timeout to a TCP flow whose bursts it cuts, so
// a smaller bucket holds TCP far below the rate (docs/faults.md, Bandwidth).
uint64_t default_police_buffer_bytes(uint64_t rate_bps);

// "shape", "police", or "auto".
const char* bandwidth_mode_name(BandwidthMode mode);
// How the fault's status and doctor say it: "shaping (fq)", "policing (no fq)".
std::string bandwidth_mode_status(BandwidthMode mode, bool fq_available);

}  // namespace seismo::chaos
