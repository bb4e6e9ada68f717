#include "cluster/watch_source.h"

namespace seismo::cluster {
namespace {

class ListWatchHandle : public WatchHandle {
 public:
  explicit ListWatchHandle(std::unique_ptr<pods::ListWatch> watch) : watch_(std::move(watch)) {}
  void start() override { watch_->start(); }
  void stop() override { watch_->stop(); }
  [[nodiscard]] pods::ListWatchCounters counters() const override { return watch_->counters(); }

 private:
  std::unique_ptr<pods::ListWatch> watch_;
};

}  // namespace

WatchFactory list_watch_factory(pods::KubeClient client) {
  return [client = std::move(client)](pods::ListWatchSink& sink,
                                      pods::ListWatchOptions options) -> Result<std::unique_ptr<WatchHandle>> {
    auto w = pods::ListWatch::create(client, sink, std::move(options));
    if (!w) return fail(std::move(w).error());
    return std::unique_ptr<WatchHandle>(std::make_unique<ListWatchHandle>(std::move(*w)));
  };
}

}  // namespace seismo::cluster
