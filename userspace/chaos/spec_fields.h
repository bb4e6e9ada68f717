#pragma once

// Readers for one field of a fault spec (JSON; YAML arrives converted). Each
// returns EINVAL naming the field ("loss.percent: 120 is outside 0 to 100"),
// the form every spec error takes (docs/faults.md).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::chaos {

// The error for `field`: "field: why", errno EINVAL.
Unexpected invalid_field(std::string_view field, std::string_view why);
// A short rendering of a value from outside for an error message: at most
// ~40 characters, a few levels deep, bytes that are not UTF-8 as U+FFFD.
std::string show_json(const nlohmann::json& v);
// Rejects keys a schema level does not know (typos must not be ignored);
// `where` prefixes the key in the error ("" at the top level).
Result<void> only_known_keys(const nlohmann::json& obj, std::string_view where,
                             std::initializer_list<std::string_view> allowed);
// doc[key] as an object; nullptr when absent (or null) and not required.
Result<const nlohmann::json*> object_field(const nlohmann::json& doc, std::string_view key, std::string_view field,
                                           bool required);
// doc[key] as a string; "" when absent (or null) and not required.
Result<std::string> string_field(const nlohmann::json& doc, std::string_view key, std::string_view field,
                                 bool required);
// A finite number, or a string holding one with an optional '%' when
// allow_percent_sign ("10", "10%").
Result<double> number_value(const nlohmann::json& v, std::string_view field, bool allow_percent_sign);
// A percentage in [0, limit] (inclusive) or [0, limit); 0 when absent and not required.
Result<double> percent_field(const nlohmann::json& doc, std::string_view key, std::string_view field, bool required,
                             double limit, bool inclusive);
// A duration string with a unit ("30s", "100ms") in ns; 0 when absent and not required.
Result<uint64_t> duration_field(const nlohmann::json& doc, std::string_view key, std::string_view field,
                                bool required);

}  // namespace seismo::chaos
