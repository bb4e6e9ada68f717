#include "pods/pod_watcher.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "pods/pod_json.h"

namespace seismo::pods {
namespace {

bool valid_node_name(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") == std::string_view::npos;
}

}  // namespace

// Pod objects from the ListWatch into the PodStore; what pod_from_json
// refuses is counted as malformed by the ListWatch.
class PodWatcher::StoreSink : public ListWatchSink {
 public:
  explicit StoreSink(PodStore& store) : store_(store) {}

  bool accept(const nlohmann::json& object) override {
    auto pod = pod_from_json(object);
    if (!pod) log::warn("pods: skipping an object: {}", pod.error().message());
    return pod.has_value();
  }
  void replace(std::vector<nlohmann::json> objects) override {
    std::vector<Pod> pods;
    pods.reserve(objects.size());
    for (const auto& o : objects) {
      if (auto pod = pod_from_json(o)) pods.push_back(std::move(*pod));
    }
    store_.replace_all(std::move(pods));
  }
  void upsert(const nlohmann::json& object) override {
    if (auto pod = pod_from_json(object)) store_.upsert(std::move(*pod));
  }
  void erase(const nlohmann::json& object) override {
    if (auto pod = pod_from_json(object)) store_.erase(pod->uid);
  }

 private:
  PodStore& store_;
};

Result<std::unique_ptr<PodWatcher>> PodWatcher::create(KubeClient client, PodStore& store, PodWatcherOptions options) {
  if (!valid_node_name(options.node_name)) {
    return fail_plain(fmt::format("pod watcher: node name '{}' is not a DNS subdomain (is NODE_NAME set?)",
                                  options.node_name));
  }
  if (options.max_object_bytes == 0) return fail_plain("pod watcher: max_object_bytes must be positive");
  if (options.watch_idle_timeout.count() < 0) return fail_plain("pod watcher: watch_idle_timeout must not be negative");
  ListWatchOptions lw;
  lw.path = "/api/v1/pods";
  lw.field_selector = "spec.nodeName=" + options.node_name;
  lw.page_size = options.page_size;
  lw.max_object_bytes = options.max_object_bytes;
  lw.max_page_bytes = options.max_list_bytes;
  lw.backoff_initial = options.backoff_initial;
  lw.backoff_max = options.backoff_max;
  lw.watch_timeout_seconds = options.watch_timeout_seconds;
  lw.watch_idle_timeout = options.watch_idle_timeout;
  lw.jitter = std::move(options.jitter);
  lw.sleep = std::move(options.sleep);
  auto sink = std::make_unique<StoreSink>(store);
  auto list_watch = ListWatch::create(std::move(client), *sink, std::move(lw));
  if (!list_watch) return fail(list_watch.error().wrap("pod watcher"));
  return std::unique_ptr<PodWatcher>(new PodWatcher(std::move(sink), std::move(*list_watch)));  // NOLINT: private ctor
}

PodWatcher::PodWatcher(std::unique_ptr<StoreSink> sink, std::unique_ptr<ListWatch> list_watch)
    : sink_(std::move(sink)), list_watch_(std::move(list_watch)) {}

PodWatcher::~PodWatcher() { stop(); }

void PodWatcher::start() { list_watch_->start(); }

void PodWatcher::stop() { list_watch_->stop(); }

bool PodWatcher::synced() const { return list_watch_->synced(); }

PodWatcherCounters PodWatcher::counters() const { return list_watch_->counters(); }

}  // namespace seismo::pods
