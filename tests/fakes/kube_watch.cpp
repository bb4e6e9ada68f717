// Watch of the stateful fake (KubeRoutes): events after a resourceVersion,
// initial state, selectors, bookmarks, 410, injected drops and stalls.
#include <httplib.h>

#include <thread>

#include "kube_query.h"
#include "kube_routes.h"

namespace seismo::fakes {

using nlohmann::json;

struct KubeRoutes::WatchSpec {
  const KubeResource* resource = nullptr;
  std::string ns;
  Selectors sel;
  std::optional<uint64_t> from;  // events after this; nullopt: the current state first
  bool initial = false;          // send the current state as ADDED first
  bool initial_end_bookmark = false;
  bool bookmarks = false;
  std::chrono::milliseconds timeout{0};
  uint64_t epoch = 0;
};

namespace {

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

// A BOOKMARK's object is the type with only metadata.resourceVersion (and
// the initial-events-end annotation closing a sendInitialEvents stream:
// storage.AnnotateInitialEventsEndBookmark).
json bookmark(const KubeResource& r, uint64_t rv, bool initial_end) {
  json meta{{"resourceVersion", std::to_string(rv)}};
  if (initial_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  return {{"type", "BOOKMARK"}, {"object", {{"kind", r.kind}, {"apiVersion", r.api_version()}, {"metadata", meta}}}};
}

}  // namespace

void KubeRoutes::watch(const Target& t, const httplib::Request& req, httplib::Response& res) {
  auto rv = req.get_param_value("resourceVersion");
  auto match = req.get_param_value("resourceVersionMatch");
  bool has_initial = req.has_param("sendInitialEvents");
  bool send_initial = has_initial && req.get_param_value("sendInitialEvents") == "true";
  // validation.go validateWatchOptions.
  const std::string field = "resourceVersionMatch";
  if (has_initial && match != "NotOlderThan") {
    return send_reply(res, invalid_options(field,
                                           "sendInitialEvents requires setting resourceVersionMatch to "
                                           "NotOlderThan"));
  }
  if (has_initial && !faults_.watch_list()) {
    return send_reply(res, invalid_options("sendInitialEvents",
                                           "sendInitialEvents is forbidden for watch unless the "
                                           "WatchList feature gate is enabled"));
  }
  if (!match.empty() && !has_initial) {
    return send_reply(res, invalid_options(field,
                                           "resourceVersionMatch is forbidden for watch unless "
                                           "sendInitialEvents is provided"));
  }
  WatchSpec spec;
  spec.resource = t.resource;
  spec.ns = t.ns;
  if (auto err = parse_selectors(*t.resource, req, spec.sel)) return send_reply(res, *err);
  if (!rv.empty() && rv != "0") {
    spec.from = parse_rv(rv);
    if (!spec.from) return send_reply(res, status_reply(400, "BadRequest", "invalid resource version: " + rv));
  }
  // RV unset or "0": the current state as synthetic ADDED events first
  // (watch_cache.go getAllEventsSinceLocked), unless sendInitialEvents=false.
  spec.initial = !spec.from && (!has_initial || send_initial);
  spec.bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  spec.initial_end_bookmark = send_initial && spec.bookmarks;
  if (auto ts = parse_rv(req.get_param_value("timeoutSeconds"))) {
    spec.timeout = std::chrono::seconds(std::min<uint64_t>(*ts, 86400));
  }
  spec.epoch = faults_.drop_epoch();
  res.status = 200;
  res.set_chunked_content_provider("application/json",
                                   [this, spec = std::move(spec)](std::size_t, httplib::DataSink& sink) {
                                     faults_.count_watch(1);
                                     bool clean = stream(spec, sink);
                                     faults_.count_watch(-1);
                                     if (clean) sink.done();
                                     return clean;
                                   });
}

bool KubeRoutes::stream(const WatchSpec& spec, httplib::DataSink& sink) {
  const auto& r = *spec.resource;
  auto send = [&](const json& event) {
    auto line = event.dump() + "\n";
    return sink.write(line.data(), line.size());
  };
  auto started = std::chrono::steady_clock::now();
  uint64_t cursor = spec.from.value_or(store_.revision());
  if (spec.initial) {
    for (const auto& o : store_.snapshot(r, spec.ns, cursor).value_or(std::vector<json>{})) {
      if (spec.sel.matches(o) && !send({{"type", "ADDED"}, {"object", o}})) return false;
    }
    if (spec.initial_end_bookmark && !send(bookmark(r, cursor, true))) return false;
  }
  auto last_bookmark = std::chrono::steady_clock::now();
  while (!stopping_ && sink.is_writable()) {
    if (faults_.drop_epoch() != spec.epoch) return false;  // abrupt end, no last chunk
    if (faults_.stalled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    uint64_t seen = store_.revision();
    auto events = store_.events_after(r, cursor);
    if (!events) {
      // watch_cache.go: resourceVersion < oldest-1 -> NewResourceExpired,
      // sent as one ERROR event on the 200 stream, which then ends.
      auto st = status_reply(410, "Expired",
                             "too old resource version: " + std::to_string(cursor) + " (" +
                                 std::to_string(store_.oldest_revision()) + ")");
      send({{"type", "ERROR"}, {"object", st.body}});
      return true;
    }
    for (const auto& e : *events) {
      if (auto ev = convert(e, spec.ns, spec.sel); ev && !send(*ev)) return false;
      cursor = e.rv;
    }
    cursor = std::max(cursor, seen);  // every event up to `seen` was in `events`
    auto now = std::chrono::steady_clock::now();
    if (spec.bookmarks && now - last_bookmark >= faults_.bookmark_interval()) {
      if (!send(bookmark(r, cursor, false))) return false;
      last_bookmark = now;
    }
    if (spec.timeout.count() > 0 && now - started >= spec.timeout) return true;  // clean end at timeoutSeconds
    store_.wait_after(cursor, std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace seismo::fakes
