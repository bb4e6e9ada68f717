// List of the stateful fake (KubeRoutes): resourceVersion semantics,
// limit/continue pagination, 410 for what left the history.
#include <httplib.h>

#include <cstring>
#include <variant>

#include "kube_query.h"
#include "kube_routes.h"

namespace seismo::fakes {

using nlohmann::json;

namespace {

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c, bits += 8;
    while (bits >= 6) out += kB64[(acc >> (bits -= 6)) & 63];
  }
  if (bits > 0) out += kB64[(acc << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> unb64url(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* pos = c == '\0' ? nullptr : std::strchr(kB64, c);
    if (pos == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(pos - kB64), bits += 6;
    if (bits >= 8) out += static_cast<char>((acc >> (bits -= 8)) & 0xff);
  }
  return out;
}

// storage/continue.go: base64url(JSON {"v":"meta.k8s.io/v1","rv":N,"start":key}),
// rv -1 meaning "continue at the latest revision" (the inconsistent token
// an expired one is answered with).
std::string encode_continue(int64_t rv, const std::string& start) {
  return b64url(json{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}}.dump());
}

// apimachinery pkg/apis/meta/internalversion/validation ValidateListOptions.
std::optional<ApiReply> validate_list(const httplib::Request& req) {
  auto rv = req.get_param_value("resourceVersion");
  auto match = req.get_param_value("resourceVersionMatch");
  const std::string field = "resourceVersionMatch";
  if (req.has_param("sendInitialEvents")) {
    return invalid_options("sendInitialEvents", "sendInitialEvents is forbidden for list");
  }
  if (match.empty()) return std::nullopt;
  if (rv.empty()) return invalid_options(field, "resourceVersionMatch is forbidden unless resourceVersion is provided");
  if (!req.get_param_value("continue").empty()) {
    return invalid_options(field, "resourceVersionMatch is forbidden when continue is provided");
  }
  if (match != "Exact" && match != "NotOlderThan") {
    return status_reply(422, "Invalid",
                        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported "
                        "value: \"" +
                            match + "\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
  }
  if (match == "Exact" && rv == "0") {
    return invalid_options(field, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
  }
  return std::nullopt;
}

// Which snapshot a list reads and where it starts.
struct ListPoint {
  uint64_t at = 0;
  std::string start;        // first key to return ("" = from the beginning)
  bool from_token = false;  // a consistent continue token (its RV may expire)
  bool ignore_limit = false;
};

// cacher.go / etcd3 store.go: continue token, then resourceVersion "" (the
// latest), "0" (any: the watch cache, which ignores limit - shouldDelegateList
// needs resourceVersion != "0" to page), N (NotOlderThan: the latest if N is
// not in the future; Exact: the state at N).
std::variant<ListPoint, ApiReply> resolve_point(const httplib::Request& req, uint64_t current) {
  auto rv = req.get_param_value("resourceVersion");
  auto cont = req.get_param_value("continue");
  ListPoint p{current, "", false, false};
  if (!cont.empty()) {
    auto raw = unb64url(cont);
    auto tok = raw ? json::parse(*raw, nullptr, false) : json();
    if (!tok.is_object() || tok.value("v", "") != "meta.k8s.io/v1" || !tok.contains("rv") ||
        !tok["rv"].is_number_integer() || tok["rv"].get<int64_t>() == 0 || tok.value("start", "").empty()) {
      return status_reply(400, "BadRequest", "invalid continue token: continue key is not valid");
    }
    if (!rv.empty() && rv != "0") {
      return status_reply(400, "BadRequest", "specifying resource version is not allowed when using continue");
    }
    auto trv = tok["rv"].get<int64_t>();
    p.start = tok["start"].get<std::string>();
    p.at = trv < 0 ? current : static_cast<uint64_t>(trv);
    p.from_token = trv > 0;
    return p;
  }
  if (rv.empty()) return p;
  if (rv == "0") {
    p.ignore_limit = true;
    return p;
  }
  auto n = parse_rv(rv);
  if (!n) return status_reply(400, "BadRequest", "invalid resource version: " + rv);
  if (*n > current) {
    return status_reply(
        504, "Timeout", "Too large resource version: " + rv + ", current: " + std::to_string(current),
        {{"causes", {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}},
         {"retryAfterSeconds", 1}});
  }
  if (req.get_param_value("resourceVersionMatch") == "Exact") p.at = *n;
  return p;
}

ApiReply expired(const ListPoint& p) {
  if (!p.from_token) return status_reply(410, "Expired", "The resourceVersion for the provided list is too old.");
  // etcd3 handleCompactedErrorForPaging: 410 with a token (rv -1) that
  // continues, inconsistently, at the latest revision.
  auto reply = status_reply(
      410, "Expired",
      "The provided continue parameter is too old to display a consistent list result. You can start a new list "
      "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
      "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
      "modified, or deleted between the time the first chunk was returned and now may show up in the list.");
  reply.body["metadata"]["continue"] = encode_continue(-1, p.start);
  return reply;
}

}  // namespace

void KubeRoutes::list(const Target& t, const httplib::Request& req, httplib::Response& res) {
  const auto& r = *t.resource;
  if (auto err = validate_list(req)) return send_reply(res, *err);
  Selectors sel;
  if (auto err = parse_selectors(r, req, sel)) return send_reply(res, *err);
  std::size_t limit = 0;
  if (req.has_param("limit")) {
    auto l = parse_rv(req.get_param_value("limit"));
    if (!l) return send_reply(res, status_reply(400, "BadRequest", "limit must be a non-negative integer"));
    limit = static_cast<std::size_t>(*l);
  }
  auto point = resolve_point(req, store_.revision());
  if (auto* err = std::get_if<ApiReply>(&point)) return send_reply(res, *err);
  const auto& p = std::get<ListPoint>(point);
  if (p.from_token && faults_.take_expire_continue()) return send_reply(res, expired(p));
  if (p.ignore_limit) limit = 0;
  auto items = store_.snapshot(r, t.ns, p.at);
  if (!items) return send_reply(res, expired(p));
  json out = json::array();
  std::size_t remaining = 0;
  std::string last;
  for (auto& o : *items) {
    auto key = object_key(r, o["metadata"].value("namespace", ""), o["metadata"].value("name", ""));
    if ((!p.start.empty() && key < p.start) || !sel.matches(o)) continue;
    if (limit > 0 && out.size() >= limit) {
      ++remaining;
      continue;
    }
    last = key;
    out.push_back(std::move(o));
  }
  json meta{{"resourceVersion", std::to_string(p.at)}};
  if (remaining > 0) {
    // The next key after the last returned, as etcd3's store encodes it.
    meta["continue"] = encode_continue(static_cast<int64_t>(p.at), last + std::string(1, '\0'));
    meta["remainingItemCount"] = remaining;
  }
  send_reply(res,
             {200, {{"kind", r.kind + "List"}, {"apiVersion", r.api_version()}, {"metadata", meta}, {"items", out}}});
}

}  // namespace seismo::fakes
