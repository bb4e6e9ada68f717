#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "kube_faults.h"
#include "kube_object_store.h"

namespace httplib {
class Server;
}

namespace seismo::fakes {

// One scripted answer to a watch request.
struct WatchScript {
  int status = 200;
  std::vector<std::string> lines;  // each sent as one chunk followed by '\n'
  // After the lines: keep the stream open (idle) until the client leaves or
  // the server stops; otherwise end it.
  bool hold_open = false;
  // End without the terminating chunk: the client sees a dropped connection.
  bool drop = false;
  std::string body;  // for non-200 statuses
  // After the lines: go silent, sending nothing (not even live events, which
  // wait for the next watch) and never ending, until the client leaves or
  // the server stops: an API server or path that stalled.
  bool stall = false;
};

class KubeRoutes;

// A Kubernetes API server on 127.0.0.1 (ephemeral port), in one of two modes.
//
// Scripted (`start()`): answers GET /api/v1/pods (list) and
// GET /api/v1/pods?watch=1 from scripts, and counts what it was asked. When a
// script queue runs out, lists repeat the last list and watches hold an idle
// stream open. For tests that need an exact byte sequence or a broken server.
//
// Stateful (`start_stateful()`): a small kube-apiserver over an object store
// (store()), for every registered resource (pods, nodes and seismo.dev/v1alpha1
// networkfaults by default; add more with store().add_resource). Implements,
// each following the upstream source named where it is done:
//  - one cluster-wide resourceVersion (etcd revision-like, decimal string),
//    a bounded event history (the watch cache window), compaction;
//  - list: resourceVersion "" / "0" / N with resourceVersionMatch
//    Exact|NotOlderThan, limit + continue tokens (upstream's encoding) served
//    from the token's snapshot, 410 for a token or Exact RV that left the
//    window (with the inconsistent continue token), ListOptions validation;
//  - watch: from an RV (events after it), or "" / "0" (current state as
//    ADDED first), ERROR 410 Expired when the RV left the window, BOOKMARKs
//    with allowWatchBookmarks, sendInitialEvents behind the WatchList gate
//    (off by default: 422 as upstream with the gate off), timeoutSeconds;
//  - labelSelector (=, ==, !=, in, notin, exists, !key) and fieldSelector
//    (metadata.name/namespace, plus the resource's field labels: pods'
//    spec.nodeName, status.phase...) on list and watch; an object that
//    leaves the selector is a DELETED event, one that enters it ADDED;
//  - namespaced and cluster-wide paths, /status subresource;
//  - POST/PUT/DELETE with uid, creationTimestamp, generation (custom
//    resources: bumped on spec change only), optimistic concurrency (409);
//    PATCH: server-side apply (application/apply-patch+yaml, JSON body) with
//    fieldManager/force, list-map merge, managedFields, 409 conflicts; merge
//    and JSON patches;
//  - faults(): fail the next requests (5xx/429 + Retry-After), drop or stall
//    watches, bookmark interval, expire the next continue token;
//    store().compact() forces 410s.
// Not implemented: YAML-only bodies, protobuf/CBOR, table output, watch of a
// single object by name, graceful deletion (deletes are immediate),
// finalizers, admission/validation against a schema, `gt`/`lt` label
// operators, waiting for a too-large RV (answered at once with 504),
// authentication (the Authorization header is ignored).
class FakeKubeApi {
 public:
  static Result<std::unique_ptr<FakeKubeApi>> start();
  // `history_limit`: events the history keeps before older RVs expire.
  static Result<std::unique_ptr<FakeKubeApi>> start_stateful(std::size_t history_limit = 1000);
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  [[nodiscard]] std::string url() const;
  void push_list(int status, std::string body);
  void push_watch(WatchScript script);

  // Live events: a watch held open (no script left) sends these lines as
  // they are pushed, like a real API server streaming changes.
  void push_event(std::string line);
  // Ends every open watch stream abruptly (a dropped connection).
  void drop_streams();
  // Sets what later lists answer (replacing the repeated last list).
  void set_list(std::string body);

  [[nodiscard]] std::size_t list_requests() const;
  [[nodiscard]] std::size_t watch_requests() const;
  // resourceVersion of every watch request, in order.
  [[nodiscard]] std::vector<std::string> watch_resource_versions() const;
  [[nodiscard]] std::vector<std::string> field_selectors() const;
  [[nodiscard]] std::vector<std::string> authorizations() const;

  // Stateful mode only (abort otherwise).
  KubeObjectStore& store();
  KubeFaults& faults();
  // Stateful mode: stop answering (open watches end, connections are
  // refused), then serve again on the same port with the same objects and
  // history: an API server that went away and came back over the same etcd.
  void stop_serving();
  Result<void> resume_serving();

 private:
  FakeKubeApi();
  void install_routes();
  void prepare_stateful_server();
  Result<void> listen(int port = 0);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::deque<std::pair<int, std::string>> lists_;
  std::pair<int, std::string> last_list_{200, R"({"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]})"};
  std::deque<WatchScript> watches_;
  std::deque<std::string> live_;
  uint64_t drop_epoch_ = 0;
  std::size_t list_requests_ = 0;
  std::size_t watch_requests_ = 0;
  std::vector<std::string> watch_rvs_;
  std::vector<std::string> field_selectors_;
  std::vector<std::string> authorizations_;
  std::unique_ptr<KubeObjectStore> store_;
  KubeFaults faults_;
  std::unique_ptr<KubeRoutes> routes_;
};

}  // namespace seismo::fakes
