#pragma once

// List then watch one resource type the way client-go's reflector does:
// paginated lists (limit/continue; a 410 on an expired continue token
// relists from the start), a watch from the list's resourceVersion with
// bookmarks, 410 Gone or an ERROR event relists, a stalled watch is cut and
// relisted, failures back off with jitter. Objects arrive as JSON; the sink
// converts them. PodWatcher (this node's pods), the NetworkFault watcher and
// the per-fault pod lists are all built on it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "pods/backoff.h"
#include "pods/kube_client.h"

namespace seismo::pods {

struct ListWatchOptions {
  // The collection: "/api/v1/pods", "/api/v1/namespaces/ns/pods",
  // "/apis/seismo.dev/v1alpha1/networkfaults".
  std::string path;
  std::string label_selector;  // sent as labelSelector when not empty
  std::string field_selector;  // sent as fieldSelector when not empty
  unsigned page_size = 500;    // limit= of each list page (client-go's default); 0: one unpaged list
  std::size_t max_object_bytes = 2u << 20;
  std::size_t max_page_bytes = 64u << 20;
  std::size_t max_objects = 200'000;  // a list above this is an error (bounded memory)
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  unsigned watch_timeout_seconds = 300;
  std::chrono::seconds watch_idle_timeout{150};
  Backoff::Jitter jitter;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: interruptible by stop()
};

// What a ListWatch feeds. Called on the ListWatch's thread, one call at a time.
class ListWatchSink {
 public:
  virtual ~ListWatchSink() = default;
  // A whole list (every page): the new set replaces everything.
  virtual void replace(std::vector<nlohmann::json> objects) = 0;
  // ADDED or MODIFIED.
  virtual void upsert(const nlohmann::json& object) = 0;
  virtual void erase(const nlohmann::json& object) = 0;
  // Objects the sink refuses (failed validation) are counted as malformed:
  // return false from accept() to skip one before it reaches the calls above.
  virtual bool accept(const nlohmann::json& /*object*/) { return true; }
};

struct ListWatchCounters {
  uint64_t requests = 0;  // HTTP requests sent (list pages + watches)
  uint64_t lists = 0;     // whole lists
  uint64_t pages = 0;
  uint64_t relists = 0;   // lists after the first (410 Gone, ERROR events, list failures)
  uint64_t expired_continues = 0;  // 410 on a continue token: restarted the list
  uint64_t watches = 0;
  uint64_t events = 0;     // ADDED/MODIFIED/DELETED/BOOKMARK applied
  uint64_t errors = 0;     // failed requests, non-200 statuses, ERROR events
  uint64_t stalled = 0;    // watches cut after watch_idle_timeout without a byte (then relisted)
  uint64_t malformed = 0;  // lines or objects that failed validation, skipped
  uint64_t oversized = 0;  // objects above max_object_bytes, skipped
};

class ListWatch {
 public:
  static Result<std::unique_ptr<ListWatch>> create(KubeClient client, ListWatchSink& sink, ListWatchOptions options);
  ~ListWatch();
  ListWatch(const ListWatch&) = delete;
  ListWatch& operator=(const ListWatch&) = delete;

  void start();
  void stop();  // ends a transfer in progress and joins
  [[nodiscard]] ListWatchCounters counters() const;
  [[nodiscard]] bool synced() const;  // a whole list has been delivered

 private:
  struct Impl;
  explicit ListWatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One paginated list, no watch (a one-shot read: `seismo` tools, tests).
// Returns the items and the list's resourceVersion.
// The list is a consistent read (no resourceVersion: the latest), in pages
// of options.page_size; a 410 on a continue token (the snapshot left the
// server's window) restarts it from the first page, at most three times.
// Items above max_object_bytes are skipped and counted in `oversized`.
struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resource_version;
  unsigned pages = 0;              // page requests sent (also on failure)
  unsigned expired_continues = 0;  // restarts after a 410 on a continue token
  uint64_t oversized = 0;
};
[[nodiscard]] Result<ListResult> list_all(const KubeClient& client, const ListWatchOptions& options,
                                          const std::atomic<bool>& stop);
// The same, keeping what was counted (pages, restarts) when it fails.
[[nodiscard]] Result<void> list_pages(const KubeClient& client, const ListWatchOptions& options,
                                      const std::atomic<bool>& stop, ListResult& out);
// Checks the options ListWatch::create and list_all need (path, sizes).
[[nodiscard]] Result<void> check_list_watch_options(const ListWatchOptions& options);

}  // namespace seismo::pods
