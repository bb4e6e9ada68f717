#include "chaos/spec_document.h"

#include <cerrno>

#include <fmt/format.h>

namespace seismo::chaos {

using nlohmann::json;

namespace {

Result<void> append_faults(const json& doc, std::vector<json>& out) {
  if (doc.is_null()) return {};
  if (doc.is_array()) {
    for (const auto& f : doc) out.push_back(f);
  } else if (doc.is_object() && doc.contains("faults") && doc.size() == 1) {
    if (!doc["faults"].is_array()) return fail_errno(EINVAL, "faults: must be a list of faults");
    for (const auto& f : doc["faults"]) out.push_back(f);
  } else if (doc.is_object()) {
    out.push_back(doc);
  } else {
    return fail_errno(EINVAL, "document must be a fault object, a list of faults or {\"faults\": [...]}");
  }
  if (out.size() > kMaxFaultsPerDocument)
    return fail_errno(EINVAL, fmt::format("document holds more than {} faults", kMaxFaultsPerDocument));
  return {};
}

}  // namespace

Result<std::vector<json>> parse_spec_document(std::string_view text) {
  // YAML or JSON, bounded (size, depth, alias expansion): crd/document.h.
  auto docs = crd::read_documents(text, "fault document");
  if (!docs) return fail(std::move(docs).error());
  return spec_document_items(*docs);
}

Result<std::vector<json>> spec_document_items(const std::vector<json>& documents) {
  std::vector<json> out;
  for (const auto& doc : documents)
    if (auto r = append_faults(doc, out); !r) return fail(std::move(r).error());
  if (out.empty()) return fail_errno(EINVAL, "fault document holds no fault");
  return out;
}

}  // namespace seismo::chaos
