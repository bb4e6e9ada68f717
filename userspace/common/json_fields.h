#pragma once

// Reading the fields of a JSON object from outside with errors that name the
// field path ("spec.selector.namespaces[2]: must be a string"). Used by the
// readers of Kubernetes-style documents (pods/pod_selector_json.cpp, crd/).

#include <cerrno>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::json_fields {

inline std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

inline Unexpected error(std::string_view field, std::string_view what) {
  return fail_errno(EINVAL, fmt::format("{}: {}", field, what));
}

// A JSON type's name for errors ("a number", "a list").
inline const char* type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    default: return "a number";
  }
}

// Every key of `object` is one of `known`, else an error naming the first
// that is not: "spec.selector.fieldSelector: unknown field (known: ...)".
inline Result<void> only_known(const nlohmann::json& object, std::string_view path,
                               const std::vector<std::string_view>& known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (auto k : known) found = found || k == key;
    if (!found) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return error(join(path, key), fmt::format("unknown field (known here: {})", list));
    }
  }
  return {};
}

inline Result<std::string> string_of(const nlohmann::json& v, std::string_view field, size_t max_len) {
  if (!v.is_string()) return error(field, fmt::format("must be a string, not {}", type_name(v)));
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_len) return error(field, fmt::format("longer than {} characters", max_len));
  return s;
}

inline Result<std::vector<std::string>> string_list(const nlohmann::json& v, std::string_view field, size_t max_items,
                                                    size_t max_len) {
  if (!v.is_array()) return error(field, fmt::format("must be a list of strings, not {}", type_name(v)));
  if (v.size() > max_items) return error(field, fmt::format("more than {} entries", max_items));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    auto s = string_of(v[i], fmt::format("{}[{}]", field, i), max_len);
    if (!s) return fail(std::move(s).error());
    out.push_back(std::move(*s));
  }
  return out;
}

inline Result<std::map<std::string, std::string>> string_map(const nlohmann::json& v, std::string_view field,
                                                             size_t max_items, size_t max_len) {
  if (!v.is_object()) return error(field, fmt::format("must be a map of strings, not {}", type_name(v)));
  if (v.size() > max_items) return error(field, fmt::format("more than {} entries", max_items));
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : v.items()) {
    auto s = string_of(value, join(field, key), max_len);
    if (!s) return fail(std::move(s).error());
    out.emplace(key, std::move(*s));
  }
  return out;
}

}  // namespace seismo::json_fields
