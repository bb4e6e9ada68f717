#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube_resource.h"

namespace seismo::fakes {

// An HTTP status and its JSON body (an object, a list or a Status).
struct ApiReply {
  int status = 200;
  nlohmann::json body;
};

// A Status body the way k8s.io/apimachinery/pkg/api/errors builds them.
[[nodiscard]] ApiReply status_reply(int code, const std::string& reason, const std::string& message,
                                    nlohmann::json details = nullptr);

// One change, kept in the history window: `object` after the change (for
// DELETED: the last state, stamped with the deletion's resourceVersion),
// `prev` before it (null for ADDED).
struct StoredEvent {
  uint64_t rv = 0;
  std::string resource_id;
  std::string key;   // "<namespace>/<name>", or "<name>" for a cluster-scoped type
  std::string type;  // ADDED, MODIFIED, DELETED
  nlohmann::json object;
  nlohmann::json prev;
};

// The objects of every registered resource, versioned like etcd: one
// cluster-wide revision bumped by every write and stamped into the written
// object's metadata.resourceVersion (as a decimal string), and a bounded
// history of events (the watch cache's window, default 100 events per
// resource upstream; here `history_limit` events in all). Thread-safe.
class KubeObjectStore {
 public:
  explicit KubeObjectStore(std::size_t history_limit) : history_limit_(history_limit) {}

  void add_resource(KubeResource resource);
  [[nodiscard]] const KubeResource* find(const std::string& group, const std::string& version,
                                         const std::string& plural) const;

  // Writes; `manager` is the fieldManager the managedFields entry records.
  ApiReply create(const KubeResource& res, const std::string& ns, nlohmann::json object, const std::string& manager);
  ApiReply replace(const KubeResource& res, const std::string& ns, const std::string& name, nlohmann::json object,
                   const std::string& subresource, const std::string& manager);
  ApiReply apply(const KubeResource& res, const std::string& ns, const std::string& name, const nlohmann::json& config,
                 const std::string& subresource, const std::string& manager, bool force);
  ApiReply remove(const KubeResource& res, const std::string& ns, const std::string& name);
  [[nodiscard]] ApiReply get(const KubeResource& res, const std::string& ns, const std::string& name) const;

  // The objects of `res` (in namespace `ns`, all when empty) as they were at
  // revision `at`, in key order, rebuilt from the history; nullopt when `at`
  // is older than the window (the caller answers 410).
  [[nodiscard]] std::optional<std::vector<nlohmann::json>> snapshot(const KubeResource& res, const std::string& ns,
                                                                    uint64_t at) const;
  // Events of `res` after revision `rv`; nullopt when `rv` left the window.
  [[nodiscard]] std::optional<std::vector<StoredEvent>> events_after(const KubeResource& res, uint64_t rv) const;
  // Waits until a write after `rv` or the timeout; returns the revision.
  uint64_t wait_after(uint64_t rv, std::chrono::milliseconds timeout) const;

  [[nodiscard]] uint64_t revision() const;
  // The oldest revision a watch or a continue token may still start from.
  [[nodiscard]] uint64_t oldest_revision() const;
  // Forgets all history (etcd compaction at the current revision): every
  // older watch resourceVersion and continue token now gets 410.
  void compact();

 private:
  void record(const KubeResource& res, const std::string& key, std::string type, nlohmann::json object,
              nlohmann::json prev);
  nlohmann::json* find_object(const KubeResource& res, const std::string& key);
  ApiReply commit_update(const KubeResource& res, const std::string& key, nlohmann::json updated);

  std::size_t history_limit_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<KubeResource> resources_;  // deque: references stay valid (watches hold them)
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;  // resource id -> key -> object
  std::deque<StoredEvent> history_;
  uint64_t revision_ = 1;
  uint64_t floor_ = 1;  // history holds every event after this revision
  uint64_t uid_counter_ = 0;
};

// "ns/name" or "name".
[[nodiscard]] std::string object_key(const KubeResource& res, const std::string& ns, const std::string& name);
[[nodiscard]] std::string rfc3339_now();

}  // namespace seismo::fakes
