#include "cluster/pod_set.h"

#include "pods/pod_json.h"

namespace seismo::cluster {
namespace {

bool deleting(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  return meta != object.end() && meta->is_object() && meta->contains("deletionTimestamp") &&
         !(*meta)["deletionTimestamp"].is_null();
}

}  // namespace

bool PodSet::accept(const nlohmann::json& object) { return pods::pod_from_json(object).has_value(); }

void PodSet::replace(std::vector<nlohmann::json> objects) {
  {
    std::lock_guard lock(mu_);
    listed_ = true;
    pods_.clear();
    for (const auto& o : objects) {
      auto pod = pods::pod_from_json(o);
      if (pod && !deleting(o)) pods_[pod->uid] = std::move(*pod);
    }
  }
  changed_();
}

void PodSet::upsert(const nlohmann::json& object) {
  auto pod = pods::pod_from_json(object);
  if (!pod) return;
  {
    std::lock_guard lock(mu_);
    if (deleting(object)) {
      pods_.erase(pod->uid);
    } else {
      pods_[pod->uid] = std::move(*pod);
    }
  }
  changed_();
}

void PodSet::erase(const nlohmann::json& object) {
  auto pod = pods::pod_from_json(object);
  if (!pod) return;
  {
    std::lock_guard lock(mu_);
    pods_.erase(pod->uid);
  }
  changed_();
}

std::vector<pods::Pod> PodSet::pods() const {
  std::lock_guard lock(mu_);
  std::vector<pods::Pod> out;
  out.reserve(pods_.size());
  for (const auto& [uid, p] : pods_) out.push_back(p);
  return out;
}

namespace {

std::pair<std::string, std::map<std::string, std::string>> node_of(const nlohmann::json& object) {
  std::pair<std::string, std::map<std::string, std::string>> out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  if (auto n = meta->find("name"); n != meta->end() && n->is_string()) out.first = n->get<std::string>();
  if (auto l = meta->find("labels"); l != meta->end() && l->is_object()) {
    for (const auto& [k, v] : l->items()) {
      if (v.is_string()) out.second[k] = v.get<std::string>();
    }
  }
  return out;
}

}  // namespace

void NodeLabels::replace(std::vector<nlohmann::json> objects) {
  {
    std::lock_guard lock(mu_);
    listed_ = true;
    labels_.clear();
    for (const auto& o : objects) {
      auto [name, labels] = node_of(o);
      if (!name.empty()) labels_[name] = std::move(labels);
    }
  }
  changed_();
}

void NodeLabels::upsert(const nlohmann::json& object) {
  auto [name, labels] = node_of(object);
  if (name.empty()) return;
  {
    std::lock_guard lock(mu_);
    labels_[name] = std::move(labels);
  }
  changed_();
}

void NodeLabels::erase(const nlohmann::json& object) {
  auto [name, labels] = node_of(object);
  {
    std::lock_guard lock(mu_);
    labels_.erase(name);
  }
  changed_();
}

std::map<std::string, std::map<std::string, std::string>> NodeLabels::labels() const {
  std::lock_guard lock(mu_);
  return labels_;
}

bool PodSet::listed() const {
  std::lock_guard lock(mu_);
  return listed_;
}

bool NodeLabels::listed() const {
  std::lock_guard lock(mu_);
  return listed_;
}

}  // namespace seismo::cluster
