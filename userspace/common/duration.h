#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace seismo {

// Parses a duration with a unit, Go-style: "250us", "100ms", "1.5s", "2m",
// "1h", "1m30s". Negative or unit-less values are errors; the error names
// `field`.
Result<uint64_t> parse_duration_ns(std::string_view text, std::string_view field);

// "30s", "1.5s", "100ms", "2m30s": the shortest exact form.
std::string format_duration(uint64_t ns);

}  // namespace seismo
