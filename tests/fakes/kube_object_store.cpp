#include "kube_object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "server_side_apply.h"

namespace seismo::fakes {

using nlohmann::json;

ApiReply status_reply(int code, const std::string& reason, const std::string& message, json details) {
  json body{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!details.is_null()) body["details"] = std::move(details);
  return {code, std::move(body)};
}

std::string object_key(const KubeResource& res, const std::string& ns, const std::string& name) {
  return res.namespaced ? ns + "/" + name : name;
}

std::string rfc3339_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

json details(const KubeResource& res, const std::string& name) {
  return {{"name", name}, {"group", res.group}, {"kind", res.plural}};
}

ApiReply not_found(const KubeResource& res, const std::string& name) {
  return status_reply(404, "NotFound", res.qualified() + " \"" + name + "\" not found", details(res, name));
}

// Everything but metadata and status: what a generation counts.
json spec_part(json object) {
  object.erase("metadata");
  object.erase("status");
  return object;
}

}  // namespace

void KubeObjectStore::add_resource(KubeResource resource) {
  std::lock_guard lock(mu_);
  resources_.push_back(std::move(resource));
}

const KubeResource* KubeObjectStore::find(const std::string& group, const std::string& version,
                                          const std::string& plural) const {
  std::lock_guard lock(mu_);
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.plural == plural) return &r;
  }
  return nullptr;
}

json* KubeObjectStore::find_object(const KubeResource& res, const std::string& key) {
  auto& objects = objects_[res.id()];
  auto it = objects.find(key);
  return it == objects.end() ? nullptr : &it->second;
}

void KubeObjectStore::record(const KubeResource& res, const std::string& key, std::string type, json object,
                             json prev) {
  history_.push_back({revision_, res.id(), key, std::move(type), std::move(object), std::move(prev)});
  while (history_.size() > history_limit_) {
    floor_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

ApiReply KubeObjectStore::create(const KubeResource& res, const std::string& ns, json object,
                                 const std::string& manager) {
  if (!object.is_object()) return status_reply(400, "BadRequest", "the body is not a JSON object");
  auto& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (res.namespaced && meta.contains("namespace") && meta["namespace"] != ns) {
    return status_reply(400, "BadRequest",
                        "the namespace of the provided object does not match the namespace sent on the request");
  }
  std::lock_guard lock(mu_);
  std::mt19937_64 rng(std::random_device{}() ^ ++uid_counter_);
  if (!meta.contains("name") && meta.contains("generateName")) {
    meta["name"] = meta["generateName"].get<std::string>() + fmt::format("{:05x}", rng() & 0xfffff);
  }
  if (!meta.contains("name") || !meta["name"].is_string() || meta["name"].get<std::string>().empty()) {
    return status_reply(422, "Invalid",
                        res.kind +
                            " \"\" is invalid: metadata.name: Required value: name or "
                            "generateName is required");
  }
  auto name = meta["name"].get<std::string>();
  auto key = object_key(res, ns, name);
  if (find_object(res, key) != nullptr) {
    return status_reply(409, "AlreadyExists", res.qualified() + " \"" + name + "\" already exists", details(res, name));
  }
  if (res.namespaced) meta["namespace"] = ns;
  meta["uid"] = fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", rng() & 0xffffffff, rng() & 0xffff, rng() & 0xfff,
                            rng() & 0xfff, rng() & 0xffffffffffff);
  meta["creationTimestamp"] = rfc3339_now();
  if (res.tracks_generation) meta["generation"] = 1;
  if (res.status_subresource) object.erase("status");  // PrepareForCreate drops it
  object["apiVersion"] = res.api_version();
  object["kind"] = res.kind;
  ApplyRequest req{&res, manager, false, "", rfc3339_now()};
  if (!manager.empty()) record_update(nullptr, object, req);
  ++revision_;
  object["metadata"]["resourceVersion"] = std::to_string(revision_);
  objects_[res.id()][key] = object;
  record(res, key, "ADDED", object, nullptr);
  return {201, object};
}

ApiReply KubeObjectStore::commit_update(const KubeResource& res, const std::string& key, json updated) {
  json& old = *find_object(res, key);
  updated["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"];
  if (res.tracks_generation) updated["metadata"]["generation"] = old["metadata"].value("generation", 1);
  // etcd3 GuaranteedUpdate: identical bytes are not written (no new revision).
  if (updated == old) return {200, old};
  if (res.tracks_generation && spec_part(updated) != spec_part(old)) {
    updated["metadata"]["generation"] = old["metadata"].value("generation", 1) + 1;
  }
  ++revision_;
  updated["metadata"]["resourceVersion"] = std::to_string(revision_);
  json prev = std::exchange(old, updated);
  record(res, key, "MODIFIED", updated, std::move(prev));
  return {200, updated};
}

ApiReply KubeObjectStore::replace(const KubeResource& res, const std::string& ns, const std::string& name, json object,
                                  const std::string& subresource, const std::string& manager) {
  if (!object.is_object() || !object["metadata"].is_object()) {
    return status_reply(400, "BadRequest", "the body is not an object with metadata");
  }
  if (object["metadata"].value("name", "") != name) {
    return status_reply(400, "BadRequest",
                        "the name of the object (" + object["metadata"].value("name", "") +
                            ") does not match the name on the URL (" + name + ")");
  }
  std::lock_guard lock(mu_);
  auto key = object_key(res, ns, name);
  json* old = find_object(res, key);
  if (old == nullptr) return not_found(res, name);
  auto want_rv = object["metadata"].value("resourceVersion", "");
  if (!want_rv.empty() && want_rv != (*old)["metadata"]["resourceVersion"]) {
    return status_reply(409, "Conflict",
                        "Operation cannot be fulfilled on " + res.qualified() + " \"" + name +
                            "\": the object has been modified; please apply your changes to the latest version and "
                            "try again",
                        details(res, name));
  }
  json updated = *old;
  if (subresource == "status") {
    updated.erase("status");
    if (object.contains("status")) updated["status"] = object["status"];
  } else {
    updated = object;
    for (const char* k : {"uid", "creationTimestamp", "namespace", "managedFields"}) {
      if ((*old)["metadata"].contains(k)) updated["metadata"][k] = (*old)["metadata"][k];
    }
    updated.erase("status");
    if (res.status_subresource && old->contains("status")) updated["status"] = (*old)["status"];
    if (!res.status_subresource && object.contains("status")) updated["status"] = object["status"];
    updated["apiVersion"] = res.api_version();
    updated["kind"] = res.kind;
  }
  ApplyRequest req{&res, manager, false, subresource, rfc3339_now()};
  record_update(*old, updated, req);
  return commit_update(res, key, std::move(updated));
}

ApiReply KubeObjectStore::apply(const KubeResource& res, const std::string& ns, const std::string& name,
                                const json& config, const std::string& subresource, const std::string& manager,
                                bool force) {
  if (!config.is_object() || !config.contains("apiVersion") || !config.contains("kind")) {
    return status_reply(400, "BadRequest", "an apply configuration must set apiVersion and kind");
  }
  if (!config.contains("metadata") || config["metadata"].value("name", "") != name) {
    return status_reply(400, "BadRequest", "metadata.name of the apply configuration must be " + name);
  }
  if (manager.empty()) {
    // PatchOptions validation (apiserver pkg/endpoints/handlers/patch.go).
    return status_reply(422, "Invalid",
                        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for "
                        "apply patch");
  }
  std::unique_lock lock(mu_);
  auto key = object_key(res, ns, name);
  json* live = find_object(res, key);
  ApplyRequest req{&res, manager, force, subresource, rfc3339_now()};
  if (live == nullptr) {
    if (!subresource.empty()) return not_found(res, name);
    auto out = server_side_apply(nullptr, config, req);
    if (out.status != 200) return {out.status, out.object};
    lock.unlock();
    json mf = out.object["metadata"].value("managedFields", json::array());
    out.object["metadata"].erase("managedFields");
    auto created = create(res, ns, out.object, "");
    if (created.status != 201) return created;
    lock.lock();
    json& obj = *find_object(res, key);
    obj["metadata"]["managedFields"] = mf;  // the applier owns what it created
    return {201, obj};
  }
  auto out = server_side_apply(*live, config, req);
  if (out.status != 200) return {out.status, out.object};
  return commit_update(res, key, std::move(out.object));
}

ApiReply KubeObjectStore::remove(const KubeResource& res, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto key = object_key(res, ns, name);
  auto& objects = objects_[res.id()];
  auto it = objects.find(key);
  if (it == objects.end()) return not_found(res, name);
  json prev = std::move(it->second);
  objects.erase(it);
  ++revision_;
  json last = prev;
  last["metadata"]["resourceVersion"] = std::to_string(revision_);
  record(res, key, "DELETED", last, prev);
  if (res.group.empty()) return {200, last};  // core types answer with the object
  json d = details(res, name);
  d["uid"] = prev["metadata"].value("uid", "");
  json body{
      {"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"details", d}};
  return {200, body};
}

ApiReply KubeObjectStore::get(const KubeResource& res, const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(res.id());
  if (it != objects_.end()) {
    auto obj = it->second.find(object_key(res, ns, name));
    if (obj != it->second.end()) return {200, obj->second};
  }
  return not_found(res, name);
}

std::optional<std::vector<json>> KubeObjectStore::snapshot(const KubeResource& res, const std::string& ns,
                                                           uint64_t at) const {
  std::lock_guard lock(mu_);
  if (at < floor_) return std::nullopt;
  std::map<std::string, json> state;
  if (auto it = objects_.find(res.id()); it != objects_.end()) state = it->second;
  // Undo, newest first, every change after `at`.
  for (auto e = history_.rbegin(); e != history_.rend() && e->rv > at; ++e) {
    if (e->resource_id != res.id()) continue;
    if (e->type == "ADDED") {
      state.erase(e->key);
    } else {
      state[e->key] = e->prev;
    }
  }
  std::vector<json> out;
  for (auto& [key, obj] : state) {
    if (ns.empty() || obj["metadata"].value("namespace", "") == ns) out.push_back(std::move(obj));
  }
  return out;
}

std::optional<std::vector<StoredEvent>> KubeObjectStore::events_after(const KubeResource& res, uint64_t rv) const {
  std::lock_guard lock(mu_);
  if (rv < floor_) return std::nullopt;
  std::vector<StoredEvent> out;
  for (const auto& e : history_) {
    if (e.rv > rv && e.resource_id == res.id()) out.push_back(e);
  }
  return out;
}

uint64_t KubeObjectStore::wait_after(uint64_t rv, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return revision_ > rv; });
  return revision_;
}

uint64_t KubeObjectStore::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

uint64_t KubeObjectStore::oldest_revision() const {
  std::lock_guard lock(mu_);
  return floor_;
}

void KubeObjectStore::compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  floor_ = revision_;
  changed_.notify_all();
}

}  // namespace seismo::fakes
