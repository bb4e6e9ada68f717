// List and watch of the stateful fake (KubeRoutes).
#include <httplib.h>

#include <thread>

#include "kube_routes.h"
#include "kube_selector.h"

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
    const char* pos = std::strchr(kB64, c);
    if (pos == nullptr || c == '\0') return std::nullopt;
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

ApiReply invalid_options(const std::string& field, const std::string& detail) {
  return status_reply(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + field + ": Forbidden: " + detail,
                      {{"group", "meta.k8s.io"},
                       {"kind", "ListOptions"},
                       {"causes", {{{"reason", "FieldValueForbidden"}, {"message", "Forbidden: " + detail},
                                    {"field", field}}}}});
}

struct Selectors {
  KubeSelector labels, fields;
  [[nodiscard]] bool matches(const json& o) const { return labels.matches(o) && fields.matches(o); }
};

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

std::string key_of(const KubeResource& r, const json& o) {
  return object_key(r, o["metadata"].value("namespace", ""), o["metadata"].value("name", ""));
}

// cacher/cache_watcher.go convertToWatchEvent: an object entering the
// selector is ADDED, leaving it is DELETED (the previous state, at the
// event's resourceVersion), staying in it MODIFIED.
std::optional<json> convert(const StoredEvent& e, const std::string& ns, const Selectors& sel) {
  auto in_scope = [&](const json& o) {
    return !o.is_null() && (ns.empty() || o["metadata"].value("namespace", "") == ns) && sel.matches(o);
  };
  bool cur = e.type != "DELETED" && in_scope(e.object);
  bool old = in_scope(e.prev);
  if (cur && !old) return json{{"type", "ADDED"}, {"object", e.object}};
  if (cur && old) return json{{"type", "MODIFIED"}, {"object", e.object}};
  if (!cur && old) {
    json gone = e.prev;
    gone["metadata"]["resourceVersion"] = std::to_string(e.rv);
    return json{{"type", "DELETED"}, {"object", gone}};
  }
  return std::nullopt;
}

json bookmark(const KubeResource& r, uint64_t rv, bool initial_end) {
  json meta{{"resourceVersion", std::to_string(rv)}};
  if (initial_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  return {{"type", "BOOKMARK"}, {"object", {{"kind", r.kind}, {"apiVersion", r.api_version()}, {"metadata", meta}}}};
}

}  // namespace

void KubeRoutes::list(const Target& t, const httplib::Request& req, httplib::Response& res) {
  const auto& r = *t.resource;
  auto rv_param = req.get_param_value("resourceVersion");
  auto match = req.get_param_value("resourceVersionMatch");
  auto cont = req.get_param_value("continue");
  // apimachinery pkg/apis/meta/internalversion/validation ValidateListOptions.
  if (req.has_param("sendInitialEvents")) return send_reply(res, invalid_options("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  if (!match.empty() && rv_param.empty()) return send_reply(res, invalid_options("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
  if (!match.empty() && !cont.empty()) return send_reply(res, invalid_options("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
  if (!match.empty() && match != "Exact" && match != "NotOlderThan") return send_reply(res, status_reply(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value: \"" + match + "\""));
  if (match == "Exact" && rv_param == "0") return send_reply(res, invalid_options("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
  Selectors sel;
  if (auto err = parse_selectors(r, req, sel)) return send_reply(res, *err);
  std::size_t limit = 0;
  if (req.has_param("limit")) {
    auto l = parse_rv(req.get_param_value("limit"));
    if (!l) return send_reply(res, status_reply(400, "BadRequest", "limit must be a non-negative integer"));
    limit = static_cast<std::size_t>(*l);
  }
  uint64_t current = store_.revision();
  uint64_t at = current;
  std::string start;
  bool paged_from_token = false;
  if (!cont.empty()) {
    // storage/continue.go DecodeContinue; cacher ListReadConsistency.
    auto raw = unb64url(cont);
    auto tok = raw ? json::parse(*raw, nullptr, false) : json();
    if (!tok.is_object() || tok.value("v", "") != "meta.k8s.io/v1" || !tok.contains("rv") || !tok["rv"].is_number_integer() ||
        tok["rv"].get<int64_t>() == 0 || tok.value("start", "").empty()) {
      return send_reply(res, status_reply(400, "BadRequest", "invalid continue token: continue key is not valid"));
    }
    if (!rv_param.empty() && rv_param != "0") return send_reply(res, status_reply(400, "BadRequest", "specifying resource version is not allowed when using continue"));
    start = tok["start"].get<std::string>();
    int64_t trv = tok["rv"].get<int64_t>();
    at = trv < 0 ? current : static_cast<uint64_t>(trv);
    paged_from_token = trv > 0;
  } else if (rv_param == "0") {
    // Served from the watch cache, which ignores limit for RV "0"
    // (cacher.go shouldDelegateList: hasLimit needs resourceVersion != "0").
    limit = 0;
  } else if (!rv_param.empty()) {
    auto n = parse_rv(rv_param);
    if (!n) return send_reply(res, status_reply(400, "BadRequest", "invalid resource version: " + rv_param));
    if (*n > current) {
      return send_reply(res, status_reply(504, "Timeout", "Too large resource version: " + rv_param + ", current: " + std::to_string(current),
                                          {{"causes", {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}}, {"retryAfterSeconds", 1}}));
    }
    if (match == "Exact") at = *n;
  }
  auto items = store_.snapshot(r, t.ns, at);
  if (!items) {
    if (paged_from_token) {
      // etcd3 handleCompactedErrorForPaging: 410 with a token (rv -1) that
      // continues, inconsistently, at the latest revision.
      auto reply = status_reply(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
      reply.body["metadata"]["continue"] = encode_continue(-1, start);
      return send_reply(res, reply);
    }
    return send_reply(res, status_reply(410, "Expired", "The resourceVersion for the provided list is too old."));
  }
  json out = json::array();
  std::size_t remaining = 0;
  std::string last;
  for (auto& o : *items) {
    auto key = key_of(r, o);
    if (!start.empty() && key < start) continue;
    if (!sel.matches(o)) continue;
    if (limit > 0 && out.size() >= limit) {
      ++remaining;
      continue;
    }
    last = key;
    out.push_back(std::move(o));
  }
  json meta{{"resourceVersion", std::to_string(at)}};
  if (remaining > 0) {
    meta["continue"] = encode_continue(static_cast<int64_t>(at), last + std::string(1, '\0'));
    meta["remainingItemCount"] = remaining;
  }
  send_reply(res, {200, {{"kind", r.kind + "List"}, {"apiVersion", r.api_version()}, {"metadata", meta}, {"items", out}}});
}

void KubeRoutes::watch(const Target& t, const httplib::Request& req, httplib::Response& res) {
  const auto& r = *t.resource;
  auto rv_param = req.get_param_value("resourceVersion");
  auto match = req.get_param_value("resourceVersionMatch");
  bool has_initial = req.has_param("sendInitialEvents");
  bool send_initial = has_initial && req.get_param_value("sendInitialEvents") == "true";
  // validation.go validateWatchOptions.
  if (has_initial && match != "NotOlderThan") return send_reply(res, invalid_options("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
  if (has_initial && !faults_.watch_list()) return send_reply(res, invalid_options("sendInitialEvents", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"));
  if (!match.empty() && !has_initial) return send_reply(res, invalid_options("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
  Selectors sel;
  if (auto err = parse_selectors(r, req, sel)) return send_reply(res, *err);
  bool bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  std::optional<uint64_t> from;
  if (!rv_param.empty() && rv_param != "0") {
    from = parse_rv(rv_param);
    if (!from) return send_reply(res, status_reply(400, "BadRequest", "invalid resource version: " + rv_param));
  }
  // RV unset or "0": the current state as synthetic ADDED events first
  // (watch_cache.go getAllEventsSinceLocked), unless sendInitialEvents=false.
  bool initial = !from && (!has_initial || send_initial);
  std::chrono::milliseconds timeout{0};
  if (auto ts = parse_rv(req.get_param_value("timeoutSeconds"))) timeout = std::chrono::seconds(std::min<uint64_t>(*ts, 86400));
  uint64_t epoch = faults_.drop_epoch();
  res.status = 200;
  res.set_chunked_content_provider("application/json", [this, &r, ns = t.ns, sel, from, initial, send_initial, bookmarks, timeout,
                                                         epoch](std::size_t, httplib::DataSink& sink) {
    faults_.count_watch(1);
    struct Leave {
      KubeFaults& f;
      ~Leave() { f.count_watch(-1); }
    } leave{faults_};
    auto send = [&](const json& event) {
      auto line = event.dump() + "\n";
      return sink.write(line.data(), line.size());
    };
    auto started = std::chrono::steady_clock::now();
    uint64_t cursor = from.value_or(store_.revision());
    if (initial) {
      for (const auto& o : store_.snapshot(r, ns, cursor).value_or(std::vector<json>{})) {
        if (sel.matches(o) && !send({{"type", "ADDED"}, {"object", o}})) return false;
      }
      if (send_initial && bookmarks && !send(bookmark(r, cursor, true))) return false;
    }
    auto last_bookmark = std::chrono::steady_clock::now();
    while (!stopping_ && sink.is_writable()) {
      if (faults_.drop_epoch() != epoch) return false;  // abrupt end, no last chunk
      if (faults_.stalled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      uint64_t seen = store_.revision();
      auto events = store_.events_after(r, cursor);
      if (!events) {
        // watch_cache.go: resourceVersion < oldest-1 -> NewResourceExpired,
        // sent as one ERROR event on a 200 stream, then the stream ends.
        auto st = status_reply(410, "Expired", "too old resource version: " + std::to_string(cursor) + " (" +
                                                   std::to_string(store_.oldest_revision()) + ")");
        send({{"type", "ERROR"}, {"object", st.body}});
        sink.done();
        return true;
      }
      for (const auto& e : *events) {
        if (auto ev = convert(e, ns, sel); ev && !send(*ev)) return false;
        cursor = e.rv;
      }
      cursor = std::max(cursor, seen);
      auto now = std::chrono::steady_clock::now();
      if (bookmarks && now - last_bookmark >= faults_.bookmark_interval()) {
        if (!send(bookmark(r, cursor, false))) return false;
        last_bookmark = now;
      }
      if (timeout.count() > 0 && now - started >= timeout) {
        sink.done();  // a clean end at timeoutSeconds
        return true;
      }
      store_.wait_after(cursor, std::chrono::milliseconds(20));
    }
    return false;
  });
}

}  // namespace seismo::fakes
