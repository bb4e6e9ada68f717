#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace seismo::fakes {

// What a test makes the stateful fake do wrong, and what it was asked.
// Thread-safe; read by every request and every open watch.
class KubeFaults {
 public:
  struct Failure {
    int status = 0;       // 0: none pending
    int retry_after = 0;  // seconds in Retry-After, 0: no header
  };

  // The next `count` requests (any verb, watches too) get `status` with a
  // Status body (429 TooManyRequests, 500 InternalError, 503
  // ServiceUnavailable...) and Retry-After when retry_after > 0.
  void fail_next(int count, int status, int retry_after = 0) {
    std::lock_guard lock(mu_);
    fail_count_ = count, failure_ = {status, retry_after};
  }
  Failure take_failure() {
    std::lock_guard lock(mu_);
    if (fail_count_ <= 0) return {};
    --fail_count_;
    return failure_;
  }
  // Every open watch ends at once without the terminating chunk.
  void drop_watches() {
    std::lock_guard lock(mu_);
    ++drop_epoch_;
  }
  [[nodiscard]] uint64_t drop_epoch() const {
    std::lock_guard lock(mu_);
    return drop_epoch_;
  }
  // While set, open and new watches send nothing (no event, no bookmark)
  // but stay open: a stalled server or path.
  void set_stall(bool stall) {
    std::lock_guard lock(mu_);
    stall_ = stall;
  }
  [[nodiscard]] bool stalled() const {
    std::lock_guard lock(mu_);
    return stall_;
  }
  // How often a watch with allowWatchBookmarks=true gets a BOOKMARK; the
  // real cacher sends one about every minute and 2 s before the watch's
  // timeout (cacher/cache_watcher.go nextBookmarkTime).
  void set_bookmark_interval(std::chrono::milliseconds every) {
    std::lock_guard lock(mu_);
    bookmark_every_ = every;
  }
  [[nodiscard]] std::chrono::milliseconds bookmark_interval() const {
    std::lock_guard lock(mu_);
    return bookmark_every_;
  }
  // The WatchList feature gate (sendInitialEvents); off refuses it as the
  // real server does with the gate off.
  void set_watch_list(bool on) {
    std::lock_guard lock(mu_);
    watch_list_ = on;
  }
  [[nodiscard]] bool watch_list() const {
    std::lock_guard lock(mu_);
    return watch_list_;
  }

  // The next list request with a (consistent) continue token is answered
  // as if etcd had compacted its revision away: the 410 Expired, with an
  // inconsistent token, that a client meets when its pages are slower than
  // compaction (etcd3 store handleCompactedErrorForPaging).
  void expire_next_continue() {
    std::lock_guard lock(mu_);
    expire_continue_ = true;
  }
  bool take_expire_continue() {
    std::lock_guard lock(mu_);
    return std::exchange(expire_continue_, false);
  }

  // "GET /api/v1/pods?watch=1&..." for every request, in order.
  void log(std::string line) {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(line));
  }
  [[nodiscard]] std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests per client, keyed by the Authorization header ("" when none):
  // a test that gives each client its own token reads its share here.
  void count_client(const std::string& authorization) {
    std::lock_guard lock(mu_);
    ++by_client_[authorization];
  }
  [[nodiscard]] std::size_t requests_from(const std::string& authorization) const {
    std::lock_guard lock(mu_);
    auto it = by_client_.find(authorization);
    return it == by_client_.end() ? 0 : it->second;
  }
  void count_watch(int delta) {
    std::lock_guard lock(mu_);
    open_watches_ += delta;
  }
  [[nodiscard]] int open_watches() const {
    std::lock_guard lock(mu_);
    return open_watches_;
  }

 private:
  mutable std::mutex mu_;
  int fail_count_ = 0;
  Failure failure_;
  uint64_t drop_epoch_ = 0;
  bool stall_ = false;
  bool watch_list_ = false;
  bool expire_continue_ = false;
  int open_watches_ = 0;
  std::chrono::milliseconds bookmark_every_{60000};
  std::vector<std::string> requests_;
  std::map<std::string, std::size_t> by_client_;
};

}  // namespace seismo::fakes
