#pragma once

// A ListWatchSink for tests: keeps what a ListWatch delivered, keyed
// "namespace/name" ("/name" for cluster-scoped objects).
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pods/list_watch.h"

namespace seismo::fakes {

class RecordingSink : public pods::ListWatchSink {
 public:
  void replace(std::vector<nlohmann::json> objects) override {
    std::lock_guard lock(mu_);
    objects_.clear();
    for (auto& o : objects) {
      auto k = key(o);
      objects_[k] = std::move(o);
    }
    ++replaces_;
  }
  void upsert(const nlohmann::json& object) override {
    std::lock_guard lock(mu_);
    objects_[key(object)] = object;
  }
  void erase(const nlohmann::json& object) override {
    std::lock_guard lock(mu_);
    objects_.erase(key(object));
  }
  bool accept(const nlohmann::json& object) override {
    return object["metadata"].value("name", "") != refuse_;
  }
  void refuse(std::string name) { refuse_ = std::move(name); }

  std::vector<std::string> keys() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : objects_) out.push_back(k);
    return out;
  }
  int replaces() const {
    std::lock_guard lock(mu_);
    return replaces_;
  }

 private:
  static std::string key(const nlohmann::json& o) {
    return o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "");
  }
  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> objects_;
  int replaces_ = 0;
  std::string refuse_;
};

}  // namespace seismo::fakes
