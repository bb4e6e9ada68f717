#pragma once

// How the controller starts a list+watch: pods::ListWatch in the daemon
// (list_watch_factory), a fake that feeds the sink directly in tests.

#include <functional>
#include <memory>

#include "common/result.h"
#include "pods/kube_client.h"
#include "pods/list_watch.h"

namespace seismo::cluster {

class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  virtual void start() = 0;
  virtual void stop() = 0;  // joins; prompt (ends a transfer in progress)
  [[nodiscard]] virtual pods::ListWatchCounters counters() const = 0;
};

using WatchFactory =
    std::function<Result<std::unique_ptr<WatchHandle>>(pods::ListWatchSink& sink, pods::ListWatchOptions options)>;

// pods::ListWatch over `client`.
[[nodiscard]] WatchFactory list_watch_factory(pods::KubeClient client);

}  // namespace seismo::cluster
