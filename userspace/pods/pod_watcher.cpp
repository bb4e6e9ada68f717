#include "pods/pod_watcher.h"

#include <cerrno>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "pods/pod_json.h"
#include "pods/watch_event.h"

namespace seismo::pods {
namespace {

constexpr long kHttpOk = 200;
constexpr long kHttpGone = 410;

bool valid_node_name(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") == std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<PodWatcher>> PodWatcher::create(KubeClient client, PodStore& store, PodWatcherOptions options) {
  if (!valid_node_name(options.node_name)) {
    return fail_plain(fmt::format("pod watcher: node name '{}' is not a DNS subdomain (is NODE_NAME set?)",
                                  options.node_name));
  }
  if (options.max_object_bytes == 0) return fail_plain("pod watcher: max_object_bytes must be positive");
  if (options.watch_idle_timeout.count() < 0) return fail_plain("pod watcher: watch_idle_timeout must not be negative");
  if (!options.jitter) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    options.jitter = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
  return std::unique_ptr<PodWatcher>(new PodWatcher(std::move(client), store, std::move(options)));  // NOLINT: private ctor
}

PodWatcher::PodWatcher(KubeClient client, PodStore& store, PodWatcherOptions options)
    : client_(std::move(client)),
      store_(store),
      options_(std::move(options)),
      backoff_(options_.backoff_initial, options_.backoff_max, options_.jitter),
      selector_query_("fieldSelector=" + url_encode("spec.nodeName=" + options_.node_name)) {}

PodWatcher::~PodWatcher() { stop(); }

void PodWatcher::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void PodWatcher::stop() {
  {
    std::lock_guard lock(wait_mu_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PodWatcherCounters PodWatcher::counters() const {
  std::lock_guard lock(counters_mu_);
  return counters_;
}

void PodWatcher::wait(std::chrono::milliseconds d) {
  if (options_.sleep) {
    options_.sleep(d);
    return;
  }
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

Result<void> PodWatcher::list() {
  {
    std::lock_guard lock(counters_mu_);
    ++counters_.requests;
    if (counters_.lists++ > 0) ++counters_.relists;
  }
  auto resp = client_.get("/api/v1/pods?" + selector_query_, options_.max_list_bytes, stop_);
  if (!resp) return fail(resp.error().wrap("list pods"));
  if (resp->status != kHttpOk) return fail_plain(fmt::format("list pods: HTTP {}", resp->status));
  auto doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail_plain("list pods: body is not a JSON object");
  auto items = doc.find("items");
  if (items == doc.end() || !(items->is_array() || items->is_null())) {
    return fail_plain("list pods: field 'items': missing or not an array");
  }
  auto meta = doc.find("metadata");
  if (meta == doc.end() || !meta->is_object() || !meta->contains("resourceVersion") ||
      !(*meta)["resourceVersion"].is_string() || (*meta)["resourceVersion"].get_ref<const std::string&>().empty()) {
    return fail_plain("list pods: field 'metadata.resourceVersion': missing or not a string");
  }
  std::vector<Pod> pods;
  uint64_t malformed = 0;
  uint64_t oversized = 0;
  if (items->is_array()) {
    for (const auto& item : *items) {
      if (item.dump().size() > options_.max_object_bytes) {
        ++oversized;
        continue;
      }
      auto pod = pod_from_json(item);
      if (!pod) {
        ++malformed;
        log::warn("list pods: skipping item: {}", pod.error().message());
        continue;
      }
      pods.push_back(std::move(*pod));
    }
  }
  {
    std::lock_guard lock(counters_mu_);
    counters_.malformed += malformed;
    counters_.oversized += oversized;
  }
  store_.replace_all(std::move(pods));
  resource_version_ = (*meta)["resourceVersion"].get<std::string>();
  synced_ = true;
  return {};
}

bool PodWatcher::handle_line(std::string_view line, WatchEnd& end, bool& progressed) {
  auto bad = [&](std::string_view why) {
    std::lock_guard lock(counters_mu_);
    ++counters_.malformed;
    log::warn("watch pods: skipping event: {}", why);
    return true;
  };
  auto ev = decode_watch_event(line);
  if (!ev) return bad(ev.error().message());
  switch (ev->type) {
    case WatchEvent::Type::error:
      end = ev->gone ? WatchEnd::gone : WatchEnd::error_event;
      if (!ev->gone) {
        std::lock_guard lock(counters_mu_);
        ++counters_.errors;
      }
      return false;
    case WatchEvent::Type::bookmark: resource_version_ = std::move(ev->resource_version); break;
    case WatchEvent::Type::deleted:
      resource_version_ = std::move(ev->resource_version);
      store_.erase(ev->pod->uid);
      break;
    case WatchEvent::Type::added:
    case WatchEvent::Type::modified:
      resource_version_ = std::move(ev->resource_version);
      store_.upsert(std::move(*ev->pod));
      break;
  }
  progressed = true;
  std::lock_guard lock(counters_mu_);
  ++counters_.events;
  return true;
}

PodWatcher::WatchEnd PodWatcher::watch(bool& progressed) {
  {
    std::lock_guard lock(counters_mu_);
    ++counters_.requests;
    ++counters_.watches;
  }
  auto path = fmt::format("/api/v1/pods?{}&watch=1&resourceVersion={}&allowWatchBookmarks=true&timeoutSeconds={}",
                          selector_query_, url_encode(resource_version_), options_.watch_timeout_seconds);
  WatchEnd end = WatchEnd::closed;
  LineSink sink;
  sink.max_line = options_.max_object_bytes;
  sink.on_line = [&](std::string_view line) { return handle_line(line, end, progressed); };
  sink.on_oversized = [&](std::size_t bytes) {
    std::lock_guard lock(counters_mu_);
    ++counters_.oversized;
    log::warn("watch pods: skipping an event of {} bytes (limit {})", bytes, options_.max_object_bytes);
  };
  auto resp = client_.stream(path, sink, stop_, options_.watch_idle_timeout);
  if (!resp && resp.error().code == ETIMEDOUT && !stop_) {
    log::warn("watch pods: {}; relisting", resp.error().message());
    std::lock_guard lock(counters_mu_);
    ++counters_.stalled;
    return WatchEnd::stalled;
  }
  if (!resp) {
    if (!stop_) {
      log::warn("watch pods: {}", resp.error().message());
      std::lock_guard lock(counters_mu_);
      ++counters_.errors;
    }
    return WatchEnd::failed;
  }
  if (resp->status == kHttpGone) return WatchEnd::gone;
  if (resp->status != kHttpOk) {
    log::warn("watch pods: HTTP {}", resp->status);
    std::lock_guard lock(counters_mu_);
    ++counters_.errors;
    return WatchEnd::failed;
  }
  return end;
}

void PodWatcher::run() {
  bool need_list = true;
  while (!stop_) {
    if (need_list) {
      auto r = list();
      if (!r) {
        if (stop_) break;
        log::warn("{}", r.error().message());
        {
          std::lock_guard lock(counters_mu_);
          ++counters_.errors;
        }
        wait(backoff_.next());
        continue;
      }
      need_list = false;
    }
    bool progressed = false;
    WatchEnd end = watch(progressed);
    if (stop_) break;
    // 410 Gone: our resourceVersion is too old. Any other ERROR event, or
    // a stream that stalled, leaves our state unknown. These relist; a
    // dropped or closed stream resumes from the last resourceVersion seen.
    need_list = end == WatchEnd::gone || end == WatchEnd::error_event || end == WatchEnd::stalled;
    if (progressed) backoff_.reset();
    wait(backoff_.next());
  }
}

}  // namespace seismo::pods
