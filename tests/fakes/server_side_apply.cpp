#include "server_side_apply.h"

#include <algorithm>

namespace seismo::fakes {
namespace {

using nlohmann::json;

const std::vector<std::string>* list_keys(const KubeResource& res, const std::string& dotted) {
  auto it = res.list_map_keys.find(dotted);
  return it == res.list_map_keys.end() ? nullptr : &it->second;
}

std::string join(const std::string& dotted, const std::string& key) {
  return dotted.empty() ? key : dotted + "." + key;
}

// "k:{\"node\":\"n1\"}": an item of a list-map named by its key fields.
std::string item_element(const json& item, const std::vector<std::string>& keys) {
  json k = json::object();
  for (const auto& key : keys) k[key] = item.contains(key) ? item[key] : json(nullptr);
  return "k:" + k.dump();
}

void walk(const json& v, FieldPath& path, const std::string& dotted, const KubeResource& res, FieldSet& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, child] : v.items()) {
      path.push_back("f:" + k);
      walk(child, path, join(dotted, k), res, out);
      path.pop_back();
    }
    return;
  }
  const auto* keys = v.is_array() ? list_keys(res, dotted) : nullptr;
  if (keys == nullptr) {
    if (!path.empty()) out.insert(path);
    return;
  }
  for (const auto& item : v) {
    if (!item.is_object()) continue;
    path.push_back(item_element(item, *keys));
    path.push_back(".");
    out.insert(path);
    path.pop_back();
    walk(item, path, dotted, res, out);
    path.pop_back();
  }
}

// Finds the element `step` under `node`; nullptr when absent.
const json* step_into(const json& node, const std::string& step) {
  if (step.starts_with("f:")) {
    auto key = step.substr(2);
    return node.is_object() && node.contains(key) ? &node[key] : nullptr;
  }
  if (step.starts_with("k:") && node.is_array()) {
    auto want = json::parse(step.substr(2), nullptr, false);
    for (const auto& item : node) {
      bool same = item.is_object();
      for (auto it = want.begin(); same && it != want.end(); ++it) {
        same = item.contains(it.key()) && item[it.key()] == it.value();
      }
      if (same) return &item;
    }
  }
  return nullptr;
}

const json* lookup(const json& root, const FieldPath& path) {
  const json* cur = &root;
  for (const auto& step : path) {
    if (step == ".") break;
    cur = step_into(*cur, step);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

void erase(json& root, const FieldPath& path) {
  if (path.empty()) return;
  FieldPath parent_path(path.begin(), path.end() - 1);
  auto* parent = const_cast<json*>(lookup(root, parent_path));  // NOLINT: root is mutable
  if (parent == nullptr) return;
  const auto& last = path.back();
  if (last.starts_with("f:") && parent->is_object()) parent->erase(last.substr(2));
  if (last.starts_with("k:") && parent->is_array()) {
    const json* item = step_into(*parent, last);
    if (item == nullptr) return;
    parent->erase(static_cast<std::size_t>(item - &(*parent)[0]));
  }
}

void merge(json& live, const json& config, const std::string& dotted, const KubeResource& res) {
  if (live.is_object() && config.is_object()) {
    for (const auto& [k, v] : config.items()) {
      if (live.contains(k)) {
        merge(live[k], v, join(dotted, k), res);
      } else {
        live[k] = v;
      }
    }
    return;
  }
  const auto* keys = list_keys(res, dotted);
  if (keys != nullptr && live.is_array() && config.is_array()) {
    for (const auto& item : config) {
      const json* found = item.is_object() ? step_into(live, item_element(item, *keys)) : nullptr;
      if (found != nullptr) {
        merge(const_cast<json&>(*found), item, dotted, res);  // NOLINT: an element of `live`
      } else {
        live.push_back(item);
      }
    }
    return;
  }
  live = config;
}

struct Entry {
  std::string manager, operation, subresource, api_version, time;
  FieldSet set;
  [[nodiscard]] bool same_owner(const Entry& o) const {
    return manager == o.manager && operation == o.operation && subresource == o.subresource;
  }
};

std::vector<Entry> decode_entries(const json& object) {
  std::vector<Entry> out;
  if (!object.contains("metadata") || !object["metadata"].contains("managedFields")) return out;
  for (const auto& e : object["metadata"]["managedFields"]) {
    out.push_back({e.value("manager", ""), e.value("operation", ""), e.value("subresource", ""),
                   e.value("apiVersion", ""), e.value("time", ""),
                   decode_fields_v1(e.value("fieldsV1", json::object()))});
  }
  return out;
}

void write_entries(json& object, std::vector<Entry>& entries) {
  std::erase_if(entries, [](const Entry& e) { return e.set.empty(); });
  json list = json::array();
  for (const auto& e : entries) {
    json j{{"manager", e.manager}, {"operation", e.operation}, {"apiVersion", e.api_version},
           {"time", e.time},       {"fieldsType", "FieldsV1"}, {"fieldsV1", encode_fields_v1(e.set)}};
    if (!e.subresource.empty()) j["subresource"] = e.subresource;
    list.push_back(std::move(j));
  }
  if (list.empty()) {
    object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(list);
  }
}

// What of an object a manager can own: labels and annotations of metadata,
// then status alone (/status) or everything but status (main resource of a
// type with a status subresource).
json ownable_part(const json& object, const KubeResource& res, const std::string& subresource) {
  json part = json::object();
  for (const auto& [k, v] : object.items()) {
    if (k == "apiVersion" || k == "kind") continue;
    if (k == "metadata") {
      for (const char* m : {"labels", "annotations"}) {
        if (subresource != "status" && v.is_object() && v.contains(m)) part["metadata"][m] = v[m];
      }
      continue;
    }
    bool is_status = k == "status";
    if (subresource == "status" ? !is_status : (is_status && res.status_subresource && subresource.empty())) continue;
    part[k] = v;
  }
  return part;
}

std::string print_manager(const Entry& e) {
  std::string s = "\"" + e.manager + "\"";
  if (!e.subresource.empty()) s += " with subresource \"" + e.subresource + "\"";
  if (e.operation == "Update") s += " using " + e.api_version + (e.time.empty() ? "" : " at " + e.time);
  return s;
}

json conflict_status(const std::vector<std::pair<const Entry*, FieldPath>>& conflicts) {
  json causes = json::array();
  for (const auto& [e, p] : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", "conflict with " + print_manager(*e)},
                      {"field", path_string(p)}});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + print_manager(*conflicts[0].first) + ": " +
              path_string(conflicts[0].second);
  } else {
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    for (std::size_t i = 0; i < conflicts.size(); ++i) {
      message += (i ? "\n" : "") + std::string("conflicts with ") + print_manager(*conflicts[i].first) + ":\n- " +
                 path_string(conflicts[i].second);
    }
  }
  return {{"kind", "Status"},   {"apiVersion", "v1"},   {"metadata", json::object()},      {"status", "Failure"},
          {"message", message}, {"reason", "Conflict"}, {"details", {{"causes", causes}}}, {"code", 409}};
}

bool has_prefix(const FieldSet& set, const FieldPath& prefix) {
  auto it = set.lower_bound(prefix);
  return it != set.end() && it->size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), it->begin());
}

}  // namespace

FieldSet field_set_of(const json& value, const KubeResource& resource, const std::string& prefix_dotted) {
  FieldSet out;
  FieldPath path;
  walk(value, path, prefix_dotted, resource, out);
  return out;
}

json encode_fields_v1(const FieldSet& set) {
  json root = json::object();
  for (const auto& path : set) {
    json* cur = &root;
    for (const auto& step : path) cur = &(*cur)[step];
    if (cur->is_null()) *cur = json::object();
  }
  return root;
}

FieldSet decode_fields_v1(const json& fields) {
  FieldSet out;
  FieldPath path;
  auto rec = [&](auto&& self, const json& node) -> void {
    if (!node.is_object()) return;
    if (node.empty() && !path.empty()) out.insert(path);
    for (const auto& [k, child] : node.items()) {
      path.push_back(k);
      self(self, child);
      path.pop_back();
    }
  };
  rec(rec, fields);
  return out;
}

std::string path_string(const FieldPath& path) {
  std::string s;
  for (const auto& step : path) {
    if (step.starts_with("f:")) s += "." + step.substr(2);
    if (step.starts_with("k:")) {
      auto keys = json::parse(step.substr(2), nullptr, false);
      std::string inner;
      for (const auto& [k, v] : keys.items()) inner += (inner.empty() ? "" : ",") + k + "=" + v.dump();
      s += "[" + inner + "]";
    }
  }
  return s;
}

ApplyOutcome server_side_apply(const json& live, const json& config, const ApplyRequest& req) {
  const auto& res = *req.resource;
  json part = ownable_part(config, res, req.subresource);
  FieldSet applied = field_set_of(part, res);
  json base = live;
  if (base.is_null()) base = {{"apiVersion", res.api_version()}, {"kind", res.kind}, {"metadata", config["metadata"]}};
  auto entries = decode_entries(base);
  Entry me{req.manager, "Apply", req.subresource, config.value("apiVersion", res.api_version()), req.now, {}};
  std::vector<std::pair<const Entry*, FieldPath>> conflicts;
  for (const auto& p : applied) {
    if (p.back() == ".") continue;
    const json* now_value = lookup(base, p);
    if (now_value != nullptr && *now_value == *lookup(part, p)) continue;
    for (const auto& e : entries) {
      if (!e.same_owner(me) && e.set.count(p)) conflicts.emplace_back(&e, p);
    }
  }
  if (!conflicts.empty() && !req.force) return {409, conflict_status(conflicts)};
  for (const auto& [e, p] : conflicts) const_cast<Entry*>(e)->set.erase(p);  // NOLINT: entries is ours
  merge(base, part, "", res);
  auto mine = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.same_owner(me); });
  FieldSet before = mine == entries.end() ? FieldSet{} : mine->set;
  FieldSet others;
  for (const auto& e : entries) {
    if (!e.same_owner(me)) others.insert(e.set.begin(), e.set.end());
  }
  for (const auto& p : before) {
    if (applied.count(p) || others.count(p)) continue;
    if (p.back() != ".") {
      erase(base, p);
      continue;
    }
    FieldPath item(p.begin(), p.end() - 1);
    if (!has_prefix(others, item) && !has_prefix(applied, item)) erase(base, item);
  }
  if (mine == entries.end()) {
    entries.push_back(me);
    mine = entries.end() - 1;
  }
  mine->set = applied;
  mine->api_version = me.api_version;
  // A no-op apply keeps the entry's old time (and so the object unchanged,
  // and no new resourceVersion), as upstream's timestamp transformer does.
  write_entries(base, entries);
  if (!live.is_null() && base == live) return {200, live};
  for (auto& e : entries) {
    if (e.same_owner(me)) e.time = req.now;
  }
  write_entries(base, entries);
  return {200, base};
}

void record_update(const json& old_object, json& new_object, const ApplyRequest& req) {
  const auto& res = *req.resource;
  auto entries = decode_entries(old_object);
  FieldSet before = old_object.is_null() ? FieldSet{} : field_set_of(ownable_part(old_object, res, "all"), res);
  json part = ownable_part(new_object, res, "all");
  FieldSet after = field_set_of(part, res);
  FieldSet changed;
  for (const auto& p : after) {
    const json* was = old_object.is_null() ? nullptr : lookup(old_object, p);
    if (p.back() == "." ? !before.count(p) : (was == nullptr || *was != *lookup(new_object, p))) changed.insert(p);
  }
  Entry me{req.manager, "Update", req.subresource, new_object.value("apiVersion", res.api_version()), req.now, {}};
  auto mine = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.same_owner(me); });
  if (mine == entries.end() && !changed.empty()) {
    entries.push_back(me);
    mine = entries.end() - 1;
  }
  for (auto& e : entries) {
    std::erase_if(e.set,
                  [&](const FieldPath& p) { return !after.count(p) || (!e.same_owner(me) && changed.count(p)); });
  }
  if (mine != entries.end() && !changed.empty()) {
    mine->set.insert(changed.begin(), changed.end());
    mine->time = req.now;
  }
  if (!new_object.contains("metadata")) new_object["metadata"] = json::object();
  write_entries(new_object, entries);
}

}  // namespace seismo::fakes
