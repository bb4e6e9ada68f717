#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::api {

// Control-socket protocol, version 1: one JSON object per line.
//   request   {"v":1,"id":N,"method":"status","params":{...}}
//   response  {"v":1,"id":N,"ok":true,"result":{...}}
//             {"v":1,"id":N,"ok":false,"error":{"code":"invalid_request","message":"..."}}
//   stream    after an ok response with {"stream":true}: {"v":1,"id":N,"event":{...}} lines
//             until the client closes the connection.
inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxMessageBytes = 1 << 20;
inline constexpr int kMaxRequestDepth = 64;  // JSON nesting levels in one request

struct Request {
  uint64_t id = 0;
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// Validates one request line. Errors name the offending field.
Result<Request> parse_request(std::string_view line);

std::string serialize_request(const Request& request);
std::string ok_response(uint64_t id, const nlohmann::json& result);
std::string error_response(uint64_t id, const Error& error);
std::string stream_event(uint64_t id, const nlohmann::json& event);
// The last line of a stream the daemon ended on purpose ({"end": true}): a
// stream that stops without it was cut (the reader fell behind, or seismod
// stopped), which the client reports as an error.
std::string stream_end(uint64_t id);

// Stable machine-readable error code for an Error ("invalid_request",
// "not_found", "already_exists", "permission_denied", "unsupported",
// "resource_exhausted" (a limit is reached: clients, streams, fault slots),
// "internal").
std::string_view error_code(const Error& error);

}  // namespace seismo::api
