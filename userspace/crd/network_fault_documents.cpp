// NetworkFault and NetworkChaos documents (crd/document.h): which texts hold
// them, and each one read, converted and checked with its place named.
#include <cerrno>

#include <fmt/format.h>

#include "crd/document.h"
#include "crd/network_chaos.h"

namespace seismo::crd {

using nlohmann::json;

namespace {

std::string string_member(const json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_string()) return {};
  return object[key].get<std::string>();
}

// One object as a NetworkFault object (NetworkChaos converted); `where`
// prefixes its errors ("document 2", "document 1, items[3]").
Result<json> fault_object(const json& object, const std::string& where) {
  auto in_place = [&](Error e) { return fail(e.wrap(where)); };
  if (!object.is_object()) return fail_errno(EINVAL, fmt::format("{}: must be an object", where));
  const std::string kind = string_member(object, "kind");
  if (kind == "NetworkChaos") {
    auto converted = network_fault_from_chaos(object);
    if (!converted) return in_place(std::move(converted).error());
    return converted;
  }
  if (kind == kKind) {
    if (auto parsed = parse_network_fault(object, false); !parsed) return in_place(std::move(parsed).error());
    return object;
  }
  if (kind.empty()) return fail_errno(EINVAL, fmt::format("{}: kind: required (NetworkFault or NetworkChaos)", where));
  return fail_errno(EINVAL, fmt::format("{}: kind: '{}' is not NetworkFault or NetworkChaos", where, kind));
}

Result<void> append(const json& doc, const std::string& where, std::vector<json>& out) {
  if (string_member(doc, "kind") == "List") {
    if (!doc.contains("items") || !doc["items"].is_array())
      return fail_errno(EINVAL, fmt::format("{}: items: a List needs a list of items", where));
    for (size_t i = 0; i < doc["items"].size(); ++i)
      if (auto ok = append(doc["items"][i], fmt::format("{}, items[{}]", where, i), out); !ok) return ok;
    return {};
  }
  auto object = fault_object(doc, where);
  if (!object) return fail(std::move(object).error());
  if (out.size() == kMaxNetworkFaultsPerText)
    return fail_errno(EINVAL, fmt::format("document holds more than {} faults", kMaxNetworkFaultsPerText));
  out.push_back(std::move(*object));
  return {};
}

}  // namespace

bool is_kubernetes_object(const json& document) {
  return document.is_object() && (document.contains("apiVersion") || document.contains("kind"));
}

bool has_kubernetes_kinds(std::string_view text) {
  auto docs = read_documents(text, "document");
  if (!docs) return false;
  for (const auto& d : *docs)
    if (is_kubernetes_object(d)) return true;
  return false;
}

Result<std::vector<json>> network_fault_objects(std::string_view text) {
  auto docs = read_documents(text, "document");
  if (!docs) return fail(std::move(docs).error());
  std::vector<json> out;
  for (size_t i = 0; i < docs->size(); ++i) {
    if ((*docs)[i].is_null()) continue;  // an empty YAML document ("---" at the end)
    if (auto ok = append((*docs)[i], fmt::format("document {}", i + 1), out); !ok) return fail(std::move(ok).error());
  }
  if (out.empty()) return fail_errno(EINVAL, "document holds no NetworkFault or NetworkChaos");
  return out;
}

Result<std::vector<NetworkFault>> read_network_faults(std::string_view text) {
  auto objects = network_fault_objects(text);
  if (!objects) return fail(std::move(objects).error());
  std::vector<NetworkFault> out;
  for (const auto& o : *objects) {
    auto f = parse_network_fault(o, false);
    if (!f) return fail(std::move(f).error());  // checked above; kept for the type
    out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace seismo::crd
