#include "kube_routes.h"

#include <httplib.h>

#include <sstream>

namespace seismo::fakes {

using nlohmann::json;

void send_reply(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body.dump(), "application/json");
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// The manager a write is recorded under: ?fieldManager=, else the
// User-Agent up to its first '/' (apiserver's default, handlers/rest.go).
std::string manager_of(const httplib::Request& req) {
  if (req.has_param("fieldManager")) return req.get_param_value("fieldManager");
  auto agent = req.get_header_value("User-Agent");
  return agent.empty() ? "unknown" : agent.substr(0, agent.find('/'));
}

ApiReply failure_reply(const KubeFaults::Failure& f) {
  if (f.status == 429) return status_reply(429, "TooManyRequests", "Too many requests, please try again later.");
  if (f.status == 503)
    return status_reply(503, "ServiceUnavailable", "the server is currently unable to handle the request");
  return status_reply(f.status, "InternalError", "Internal error occurred: injected by the test");
}

}  // namespace

KubeRoutes::Target KubeRoutes::parse_path(const std::string& path) const {
  auto p = split_path(path);
  Target t;
  std::size_t i = 0;
  std::string group, version;
  if (p.size() >= 3 && p[0] == "api") {
    version = p[1], i = 2;
  } else if (p.size() >= 4 && p[0] == "apis") {
    group = p[1], version = p[2], i = 3;
  } else {
    return t;
  }
  if (p.size() >= i + 3 && p[i] == "namespaces") {
    t.ns = p[i + 1];
    i += 2;
  }
  const KubeResource* r = store_.find(group, version, p[i]);
  std::size_t rest = p.size() - i;  // 1: collection, 2: object, 3: object/status
  if (r == nullptr || rest > 3 || (rest == 3 && p[i + 2] != "status")) return t;
  if (!r->namespaced && !t.ns.empty()) return t;
  // A namespaced collection is also listed cluster-wide at its bare path,
  // but an object of it needs its namespace.
  if (r->namespaced && t.ns.empty() && rest > 1) return t;
  if (p.size() >= i + 2) t.name = p[i + 1];
  if (p.size() == i + 3) t.subresource = "status";
  t.resource = r;
  return t;
}

void KubeRoutes::install(httplib::Server& server) {
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  for (const char* pattern : {R"(/api/.*)", R"(/apis/.*)"}) {
    server.Get(pattern, h);
    server.Post(pattern, h);
    server.Put(pattern, h);
    server.Patch(pattern, h);
    server.Delete(pattern, h);
  }
}

void KubeRoutes::handle(const httplib::Request& req, httplib::Response& res) {
  std::string query;
  for (const auto& [k, v] : req.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
  faults_.log(req.method + " " + req.path + query);
  faults_.count_client(req.get_header_value("Authorization"));
  if (auto f = faults_.take_failure(); f.status != 0) {
    if (f.retry_after > 0) res.set_header("Retry-After", std::to_string(f.retry_after));
    send_reply(res, failure_reply(f));
    return;
  }
  Target t = parse_path(req.path);
  if (t.resource == nullptr) {
    send_reply(res, status_reply(404, "NotFound", "the server could not find the requested resource"));
    return;
  }
  const auto& r = *t.resource;
  if (req.method == "GET") {
    if (!t.name.empty()) return send_reply(res, store_.get(r, t.ns, t.name));
    bool watch =
        req.has_param("watch") && req.get_param_value("watch") != "false" && req.get_param_value("watch") != "0";
    return watch ? this->watch(t, req, res) : list(t, req, res);
  }
  if (req.method == "PATCH") return patch(t, req, res);
  if (req.method == "POST" && t.name.empty()) {
    if (r.namespaced && t.ns.empty()) {
      return send_reply(res, status_reply(405, "MethodNotAllowed", "POST needs a namespaced path"));
    }
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return send_reply(res, status_reply(400, "BadRequest", "the body is not valid JSON"));
    return send_reply(res, store_.create(r, t.ns, std::move(body), manager_of(req)));
  }
  if (req.method == "PUT" && !t.name.empty()) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return send_reply(res, status_reply(400, "BadRequest", "the body is not valid JSON"));
    return send_reply(res, store_.replace(r, t.ns, t.name, std::move(body), t.subresource, manager_of(req)));
  }
  if (req.method == "DELETE" && !t.name.empty() && t.subresource.empty()) {
    return send_reply(res, store_.remove(r, t.ns, t.name));
  }
  send_reply(res,
             status_reply(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
}

void KubeRoutes::patch(const Target& t, const httplib::Request& req, httplib::Response& res) {
  if (t.name.empty()) return send_reply(res, status_reply(405, "MethodNotAllowed", "PATCH needs an object path"));
  auto type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  // JSON is YAML: the apply body is read as JSON only (a YAML-only body is a
  // 400 here, where the real server would parse it).
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return send_reply(res, status_reply(400, "BadRequest", "the patch body is not valid JSON"));
  bool force = req.has_param("force") && req.get_param_value("force") == "true";
  if (type == "application/apply-patch+yaml") {
    return send_reply(res,
                      store_.apply(*t.resource, t.ns, t.name, body, t.subresource,
                                   req.has_param("fieldManager") ? req.get_param_value("fieldManager") : "", force));
  }
  if (force) {
    return send_reply(res, status_reply(422, "Invalid",
                                        "PatchOptions.meta.k8s.io \"\" is invalid: force: Invalid "
                                        "value: true: may not be specified for non-apply patch"));
  }
  auto current = store_.get(*t.resource, t.ns, t.name);
  if (current.status != 200) return send_reply(res, current);
  json patched = current.body;
  if (type == "application/merge-patch+json" ||
      (type == "application/strategic-merge-patch+json" && t.resource->group.empty())) {
    // Strategic merge on a built-in is approximated by a JSON merge patch;
    // custom resources refuse it, as upstream does (415).
    patched.merge_patch(body);
  } else if (type == "application/json-patch+json") {
    try {
      patched = patched.patch(body);
    } catch (const json::exception& e) {
      return send_reply(res, status_reply(422, "Invalid", std::string("the JSON patch failed: ") + e.what()));
    }
  } else {
    return send_reply(res, status_reply(415, "UnsupportedMediaType",
                                        "the body of the request was in an unknown format - accepted media types "
                                        "include: application/json-patch+json, application/merge-patch+json, "
                                        "application/apply-patch+yaml"));
  }
  patched["metadata"]["resourceVersion"] = current.body["metadata"]["resourceVersion"];
  send_reply(res, store_.replace(*t.resource, t.ns, t.name, std::move(patched), t.subresource, manager_of(req)));
}

}  // namespace seismo::fakes
