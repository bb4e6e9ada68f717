#pragma once

// Which packets a fault applies to, read from its spec's `filter`: peer
// CIDRs, protocol, ports. Errors name the field ("filter.ports[1]: …").

#include <nlohmann/json.hpp>

#include "chaos/fault_spec.h"
#include "common/result.h"

namespace seismo::chaos {

// The `filter` object: cidrs (at most kMaxCidrs), protocol (tcp, udp, icmp,
// any), ports (at most kMaxPortRanges; numbers or "lo-hi" ranges).
Result<FilterSpec> parse_filter(const nlohmann::json& f);

}  // namespace seismo::chaos
