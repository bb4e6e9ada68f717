#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "kube_object_store.h"
#include "kube_selector.h"

namespace httplib {
struct Request;
}

namespace seismo::fakes {

// The query parameters list and watch share (kube_list.cpp, kube_watch.cpp).
struct Selectors {
  KubeSelector labels, fields;
  [[nodiscard]] bool matches(const nlohmann::json& o) const { return labels.matches(o) && fields.matches(o); }
};

// labelSelector and fieldSelector; a 400 Status when either is malformed or
// names a field the resource cannot select on.
[[nodiscard]] std::optional<ApiReply> parse_selectors(const KubeResource& r, const httplib::Request& req,
                                                      Selectors& out);
// A decimal resourceVersion (or limit); nullopt when it is not one.
[[nodiscard]] std::optional<uint64_t> parse_rv(const std::string& s);
// 422 Invalid for ListOptions, as apimachinery's field.Forbidden renders it.
[[nodiscard]] ApiReply invalid_options(const std::string& field, const std::string& detail);

}  // namespace seismo::fakes
