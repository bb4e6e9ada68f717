#include "kube_query.h"

#include <httplib.h>

namespace seismo::fakes {

using nlohmann::json;

ApiReply invalid_options(const std::string& field, const std::string& detail) {
  return status_reply(
      422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + field + ": Forbidden: " + detail,
      {{"group", "meta.k8s.io"},
       {"kind", "ListOptions"},
       {"causes", {{{"reason", "FieldValueForbidden"}, {"message", "Forbidden: " + detail}, {"field", field}}}}});
}

std::optional<ApiReply> parse_selectors(const KubeResource& r, const httplib::Request& req, Selectors& out) {
  auto labels = KubeSelector::parse_labels(req.get_param_value("labelSelector"));
  if (!labels) return status_reply(400, "BadRequest", labels.error().context);
  std::vector<std::string> supported{"metadata.name", "metadata.namespace"};
  supported.insert(supported.end(), r.field_labels.begin(), r.field_labels.end());
  auto fields = KubeSelector::parse_fields(req.get_param_value("fieldSelector"), supported);
  if (!fields) return status_reply(400, "BadRequest", fields.error().context);
  out = {std::move(*labels), std::move(*fields)};
  return std::nullopt;
}

std::optional<uint64_t> parse_rv(const std::string& s) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(s);
}

}  // namespace seismo::fakes
