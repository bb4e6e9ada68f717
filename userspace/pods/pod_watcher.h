#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "pods/backoff.h"
#include "pods/kube_client.h"
#include "pods/list_watch.h"
#include "pods/pod_store.h"

namespace seismo::pods {

struct PodWatcherOptions {
  std::string node_name;  // required: only pods with spec.nodeName == this
  // A pod object (one watch line, or one list item) above this is rejected
  // and counted in `oversized`. Real pods are a few KiB; etcd caps objects
  // at 1.5 MiB, so 2 MiB never rejects a valid object.
  std::size_t max_object_bytes = 2u << 20;
  std::size_t max_list_bytes = 256u << 20;  // per list page; a node has ≤ ~110 pods by default
  unsigned page_size = 500;                 // limit= of each list page (client-go's default)
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  unsigned watch_timeout_seconds = 300;  // server closes the watch; we resume from resourceVersion
  // A watch that carries no byte this long (plus libcurl's ~5 s speed
  // window) is stalled: it is cut and the watcher relists. The API server's watch cache sends a bookmark to every
  // watcher that asks (allowWatchBookmarks) once a minute, so 150 s is 2.5
  // missed bookmarks; a server that sends none (watch cache off) costs one
  // relist per idle 150 s. Whole seconds (libcurl's low-speed limit); 0: off.
  std::chrono::seconds watch_idle_timeout{150};
  Backoff::Jitter jitter;                // default: std::mt19937 seeded from random_device
  // Waits between attempts. Default: an interruptible wait that stop() ends.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// What the node's pod list+watch has done: its ListWatch's counters (the
// status JSON and the seismo_pods_* metrics name the fields they show).
using PodWatcherCounters = ListWatchCounters;

// Keeps a PodStore equal to this node's pods: a ListWatch of
// /api/v1/pods?fieldSelector=spec.nodeName=<node> (paginated list, then
// watch from the list's resourceVersion; bookmarks advance it; 410 Gone
// relists; disconnects and failures wait a jittered exponential backoff,
// and every attempt waits at least a little, so it never loops tightly on
// the API server).
class PodWatcher {
 public:
  static Result<std::unique_ptr<PodWatcher>> create(KubeClient client, PodStore& store, PodWatcherOptions options);
  ~PodWatcher();
  PodWatcher(const PodWatcher&) = delete;
  PodWatcher& operator=(const PodWatcher&) = delete;

  void start();
  // Ends a transfer in progress (via libcurl's progress callback) and joins.
  void stop();

  [[nodiscard]] PodWatcherCounters counters() const;
  // True once a list has succeeded.
  [[nodiscard]] bool synced() const;

 private:
  class StoreSink;
  PodWatcher(std::unique_ptr<StoreSink> sink, std::unique_ptr<ListWatch> list_watch);

  std::unique_ptr<StoreSink> sink_;  // before list_watch_: outlives it
  std::unique_ptr<ListWatch> list_watch_;
};

}  // namespace seismo::pods
