#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::chaos {

inline constexpr size_t kMaxSpecDocumentBytes = 64 * 1024;
inline constexpr size_t kMaxFaultsPerDocument = 64;
inline constexpr int kMaxSpecDocumentDepth = 16;  // nesting levels, JSON and YAML
// Values (scalars, lists, maps) a document may expand to. 64 KiB without
// aliases holds at most ~32k; aliases can name millions in a few lines.
inline constexpr size_t kMaxSpecDocumentNodes = 65536;

// Reads a fault document, JSON or YAML (one schema), into one JSON object
// per fault. Accepted shapes: a fault; a list of faults; {"faults": [...]};
// several YAML documents separated by '---'. Errors are EINVAL/EMSGSIZE and
// say where ("line 3, column 5").
Result<std::vector<nlohmann::json>> parse_spec_document(std::string_view text);

}  // namespace seismo::chaos
