#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "crd/document.h"

namespace seismo::chaos {

// The reader's bounds (crd/document.h), under the names the engine uses.
inline constexpr size_t kMaxSpecDocumentBytes = crd::kMaxDocumentBytes;
inline constexpr size_t kMaxFaultsPerDocument = 64;
inline constexpr int kMaxSpecDocumentDepth = crd::kMaxDocumentDepth;
inline constexpr size_t kMaxSpecDocumentNodes = crd::kMaxDocumentNodes;

// Reads a fault document, JSON or YAML (one schema), into one JSON object
// per fault. Accepted shapes: a fault; a list of faults; {"faults": [...]};
// several YAML documents separated by '---'. Errors are EINVAL/EMSGSIZE and
// say where ("line 3, column 5").
Result<std::vector<nlohmann::json>> parse_spec_document(std::string_view text);
// The same from documents already read (crd::read_documents), so a caller
// that looked at them first does not read the text again.
Result<std::vector<nlohmann::json>> spec_document_items(const std::vector<nlohmann::json>& documents);

}  // namespace seismo::chaos
