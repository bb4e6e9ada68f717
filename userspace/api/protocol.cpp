#include "api/protocol.h"

#include <cerrno>

#include <fmt/format.h>

#include "common/bounded_json.h"

namespace seismo::api {

using nlohmann::json;

Result<Request> parse_request(std::string_view line) {
  if (line.size() > kMaxMessageBytes) {
    return fail_errno(EMSGSIZE, fmt::format("request of {} bytes exceeds the {} byte limit", line.size(),
                                            kMaxMessageBytes));
  }
  auto parsed = parse_bounded_json(line, kMaxRequestDepth, "request");
  if (!parsed && parsed.error().code == EBADMSG) return fail_errno(EINVAL, "request is not valid JSON");
  if (!parsed) return fail(std::move(parsed).error());
  json doc = std::move(*parsed);
  if (!doc.is_object()) return fail_errno(EINVAL, "request must be a JSON object");

  auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_integer())
    return fail_errno(EINVAL, "field 'v': missing or not an integer protocol version");
  if (v->get<int64_t>() != kProtocolVersion)
    return fail_errno(EPROTONOSUPPORT, fmt::format("field 'v': protocol version {} is not supported (this daemon speaks {})",
                                                   v->dump(), kProtocolVersion));
  Request req;
  auto id = doc.find("id");
  if (id != doc.end()) {
    if (!id->is_number_unsigned()) return fail_errno(EINVAL, "field 'id': must be a non-negative integer");
    req.id = id->get<uint64_t>();
  }
  auto method = doc.find("method");
  if (method == doc.end() || !method->is_string() || method->get_ref<const std::string&>().empty())
    return fail_errno(EINVAL, "field 'method': missing or not a non-empty string");
  req.method = method->get<std::string>();
  if (req.method.size() > 64) return fail_errno(EINVAL, "field 'method': longer than 64 characters");
  auto params = doc.find("params");
  if (params != doc.end() && !params->is_null()) {
    if (!params->is_object()) return fail_errno(EINVAL, "field 'params': must be an object");
    req.params = std::move(*params);
  }
  return req;
}

std::string serialize_request(const Request& request) {
  json doc = {{"v", kProtocolVersion}, {"id", request.id}, {"method", request.method}, {"params", request.params}};
  return doc.dump() + "\n";
}

std::string ok_response(uint64_t id, const json& result) {
  json doc = {{"v", kProtocolVersion}, {"id", id}, {"ok", true}, {"result", result}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string_view error_code(const Error& error) {
  switch (error.code) {
    case 0:
    case EINVAL:
    case EMSGSIZE:
    case EPROTONOSUPPORT:
    case ERANGE: return "invalid_request";
    case ENOENT:
    case ESRCH:
    case ENODEV: return "not_found";
    case EEXIST:
    case EBUSY: return "already_exists";
    case EPERM:
    case EACCES: return "permission_denied";
    case EOPNOTSUPP: return "unsupported";
    case EUSERS:
    case ENOSPC:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case EDQUOT: return "resource_exhausted";
    default: return "internal";
  }
}

std::string error_response(uint64_t id, const Error& error) {
  json doc = {{"v", kProtocolVersion},
              {"id", id},
              {"ok", false},
              {"error", {{"code", error_code(error)}, {"message", error.message()}}}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string stream_event(uint64_t id, const json& event) {
  json doc = {{"v", kProtocolVersion}, {"id", id}, {"event", event}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string stream_end(uint64_t id) {
  json doc = {{"v", kProtocolVersion}, {"id", id}, {"end", true}};
  return doc.dump() + "\n";
}

}  // namespace seismo::api
