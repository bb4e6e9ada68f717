#include "cluster/fault_store.h"

namespace seismo::cluster {
namespace {

std::string string_at(const nlohmann::json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto it = meta->find(key);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t generation_of(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return 0;
  auto it = meta->find("generation");
  return it != meta->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The node names of status.nodes[] (malformed entries skipped: the
// status is written by other nodes and only read here as a hint).
std::set<std::string> reporters_of(const nlohmann::json& object) {
  std::set<std::string> out;
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return out;
  auto nodes = status->find("nodes");
  if (nodes == status->end() || !nodes->is_array()) return out;
  for (const auto& e : *nodes) {
    if (!e.is_object()) continue;
    auto n = e.find("node");
    if (n != e.end() && n->is_string()) out.insert(n->get<std::string>());
  }
  return out;
}

}  // namespace

void FaultStore::put_locked(const nlohmann::json& object) {
  std::string uid = string_at(object, "uid");
  if (!uid.empty()) reporters_[uid] = reporters_of(object);
  auto parsed = parser_(object);
  if (parsed) {
    invalid_.erase(parsed->uid);
    valid_[parsed->uid] = std::move(*parsed);
    return;
  }
  ++invalid_seen_;
  // Without a uid and a name there is no status to write it to.
  if (uid.empty() || string_at(object, "name").empty()) return;
  valid_.erase(uid);
  invalid_[uid] = InvalidFault{uid, string_at(object, "namespace"), string_at(object, "name"), generation_of(object),
                               parsed.error().message()};
}

void FaultStore::replace(std::vector<nlohmann::json> objects) {
  {
    std::lock_guard lock(mu_);
    listed_ = true;
    valid_.clear();
    invalid_.clear();
    reporters_.clear();
    for (const auto& o : objects) put_locked(o);
  }
  changed_();
}

void FaultStore::upsert(const nlohmann::json& object) {
  {
    std::lock_guard lock(mu_);
    put_locked(object);
  }
  changed_();
}

void FaultStore::erase(const nlohmann::json& object) {
  std::string uid = string_at(object, "uid");
  {
    std::lock_guard lock(mu_);
    valid_.erase(uid);
    invalid_.erase(uid);
    reporters_.erase(uid);
  }
  changed_();
}

bool FaultStore::listed() const {
  std::lock_guard lock(mu_);
  return listed_;
}

FaultSnapshot FaultStore::snapshot() const {
  std::lock_guard lock(mu_);
  FaultSnapshot s;
  for (const auto& [uid, f] : valid_) s.valid.push_back(f);
  for (const auto& [uid, f] : invalid_) s.invalid.push_back(f);
  s.invalid_seen = invalid_seen_;
  s.reporters = reporters_;
  return s;
}

}  // namespace seismo::cluster
