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

// One object read: as a NetworkFault object (JSON, NetworkChaos converted)
// and parsed.
struct ReadFault {
  json object;
  NetworkFault fault;
};

// `where` prefixes its errors ("document 2", "document 1, items[3]").
Result<ReadFault> fault_object(const json& object, const std::string& where) {
  auto in_place = [&](Error e) { return fail(e.wrap(where)); };
  if (object.is_array())
    return fail_errno(EINVAL, fmt::format("{}: a list of objects is written as kind: List with items", where));
  if (!object.is_object()) return fail_errno(EINVAL, fmt::format("{}: must be an object", where));
  const std::string kind = string_member(object, "kind");
  json fault_json;
  if (kind == "NetworkChaos") {
    auto converted = network_fault_from_chaos(object);
    if (!converted) return in_place(std::move(converted).error());
    fault_json = std::move(*converted);
  } else if (kind == kKind) {
    fault_json = object;
  } else if (kind.empty()) {
    return fail_errno(EINVAL, fmt::format("{}: kind: required (NetworkFault or NetworkChaos)", where));
  } else {
    return fail_errno(EINVAL, fmt::format("{}: kind: '{}' is not NetworkFault or NetworkChaos", where, kind));
  }
  auto parsed = parse_network_fault(fault_json, false);
  if (!parsed) return in_place(std::move(parsed).error());
  return ReadFault{std::move(fault_json), std::move(*parsed)};
}

Result<void> append(const json& doc, const std::string& where, std::vector<ReadFault>& out) {
  if (string_member(doc, "kind") == "List") {
    if (!doc.contains("items") || !doc["items"].is_array())
      return fail_errno(EINVAL, fmt::format("{}: items: a List needs a list of items", where));
    for (size_t i = 0; i < doc["items"].size(); ++i)
      if (auto ok = append(doc["items"][i], fmt::format("{}, items[{}]", where, i), out); !ok) return ok;
    return {};
  }
  auto read = fault_object(doc, where);
  if (!read) return fail(std::move(read).error());
  if (out.size() == kMaxNetworkFaultsPerText)
    return fail_errno(EINVAL, fmt::format("document holds more than {} faults", kMaxNetworkFaultsPerText));
  out.push_back(std::move(*read));
  return {};
}

Result<std::vector<ReadFault>> read_all(const std::vector<json>& docs) {
  std::vector<ReadFault> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].is_null()) continue;  // an empty YAML document ("---" at the end)
    if (auto ok = append(docs[i], fmt::format("document {}", i + 1), out); !ok) return fail(std::move(ok).error());
  }
  if (out.empty()) return fail_errno(EINVAL, "document holds no NetworkFault or NetworkChaos");
  return out;
}

}  // namespace

bool is_kubernetes_object(const json& document) {
  return document.is_object() && (document.contains("apiVersion") || document.contains("kind"));
}

bool has_kubernetes_kinds(const std::vector<json>& documents) {
  for (const auto& d : documents) {
    if (is_kubernetes_object(d)) return true;
    if (d.is_array())
      for (const auto& item : d)
        if (is_kubernetes_object(item)) return true;
  }
  return false;
}

bool has_kubernetes_kinds(std::string_view text) {
  auto docs = read_documents(text, "document");
  return docs && has_kubernetes_kinds(*docs);
}

Result<std::vector<json>> network_fault_objects(std::string_view text) {
  auto docs = read_documents(text, "document");
  if (!docs) return fail(std::move(docs).error());
  auto read = read_all(*docs);
  if (!read) return fail(std::move(read).error());
  std::vector<json> out;
  for (auto& r : *read) out.push_back(std::move(r.object));
  return out;
}

Result<std::vector<NetworkFault>> read_network_faults(const std::vector<json>& documents) {
  auto read = read_all(documents);
  if (!read) return fail(std::move(read).error());
  std::vector<NetworkFault> out;
  for (auto& r : *read) out.push_back(std::move(r.fault));
  return out;
}

Result<std::vector<NetworkFault>> read_network_faults(std::string_view text) {
  auto docs = read_documents(text, "document");
  if (!docs) return fail(std::move(docs).error());
  return read_network_faults(*docs);
}

}  // namespace seismo::crd
