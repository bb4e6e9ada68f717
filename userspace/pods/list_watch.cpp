// ListWatch: client-go's reflector (tools/cache/reflector.go) for one
// collection: list (paginated, list_pages.cpp), then watch from the list's
// resourceVersion with bookmarks; relist on 410, ERROR events and stalls.
#include "pods/list_watch.h"

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "common/log.h"
#include "pods/watch_event.h"

namespace seismo::pods {
namespace {

constexpr long kHttpOk = 200;
constexpr long kHttpGone = 410;

}  // namespace

struct ListWatch::Impl {
  // closed/failed resume from resourceVersion; gone, error_event and stalled relist.
  enum class WatchEnd { closed, gone, error_event, failed, stalled };

  Impl(KubeClient c, ListWatchSink& s, ListWatchOptions o)
      : client(std::move(c)), sink(s), options(std::move(o)),
        backoff(options.backoff_initial, options.backoff_max, options.jitter) {}

  void run();
  Result<void> list();
  WatchEnd watch(bool& progressed);
  bool handle_line(std::string_view line, WatchEnd& end, bool& progressed);
  void wait(std::chrono::milliseconds d);
  void count(uint64_t ListWatchCounters::*field, uint64_t n = 1) {
    std::lock_guard lock(counters_mu);
    counters.*field += n;
  }

  KubeClient client;
  ListWatchSink& sink;
  ListWatchOptions options;
  Backoff backoff;
  std::string resource_version;
  std::atomic<bool> stop{false};
  std::atomic<bool> synced{false};
  std::mutex wait_mu;
  std::condition_variable wait_cv;
  mutable std::mutex counters_mu;
  ListWatchCounters counters;
  std::thread thread;
};

Result<std::unique_ptr<ListWatch>> ListWatch::create(KubeClient client, ListWatchSink& sink, ListWatchOptions options) {
  if (auto ok = check_list_watch_options(options); !ok) return fail(ok.error());
  if (!options.jitter) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    options.jitter = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
  auto impl = std::make_unique<Impl>(std::move(client), sink, std::move(options));
  return std::unique_ptr<ListWatch>(new ListWatch(std::move(impl)));  // NOLINT: private ctor
}

ListWatch::ListWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ListWatch::~ListWatch() { stop(); }

void ListWatch::start() {
  if (impl_->thread.joinable()) return;
  impl_->stop = false;
  impl_->thread = std::thread([this] { impl_->run(); });
}

void ListWatch::stop() {
  {
    std::lock_guard lock(impl_->wait_mu);
    impl_->stop = true;
  }
  impl_->wait_cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

ListWatchCounters ListWatch::counters() const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->counters;
}

bool ListWatch::synced() const { return impl_->synced.load(); }

void ListWatch::Impl::wait(std::chrono::milliseconds d) {
  if (options.sleep) {
    options.sleep(d);
    return;
  }
  std::unique_lock lock(wait_mu);
  wait_cv.wait_for(lock, d, [this] { return stop.load(); });
}

Result<void> ListWatch::Impl::list() {
  {
    std::lock_guard lock(counters_mu);
    if (counters.lists++ > 0) ++counters.relists;
  }
  ListResult result;
  auto ok = list_pages(client, options, stop, result);
  {
    std::lock_guard lock(counters_mu);
    counters.requests += result.pages;
    counters.pages += result.pages;
    counters.expired_continues += result.expired_continues;
    counters.oversized += result.oversized;
  }
  if (!ok) return ok;
  std::vector<nlohmann::json> accepted;
  accepted.reserve(result.items.size());
  uint64_t refused = 0;
  for (auto& item : result.items) {
    if (sink.accept(item)) {
      accepted.push_back(std::move(item));
    } else {
      ++refused;
    }
  }
  count(&ListWatchCounters::malformed, refused);
  sink.replace(std::move(accepted));
  resource_version = std::move(result.resource_version);
  synced = true;
  return {};
}

bool ListWatch::Impl::handle_line(std::string_view line, WatchEnd& end, bool& progressed) {
  auto ev = decode_raw_watch_event(line);
  if (!ev) {
    count(&ListWatchCounters::malformed);
    log::warn("watch {}: skipping event: {}", options.path, ev.error().message());
    return true;
  }
  using Type = RawWatchEvent::Type;
  if (ev->type == Type::error) {
    end = ev->gone ? WatchEnd::gone : WatchEnd::error_event;
    if (!ev->gone) {
      log::warn("watch {}: ERROR event: {}", options.path, ev->object.value("message", std::string("(no message)")));
      count(&ListWatchCounters::errors);
    }
    return false;
  }
  // The event was seen whatever the sink makes of it: the next watch starts after it.
  resource_version = std::move(ev->resource_version);
  if (ev->type != Type::bookmark) {
    if (!sink.accept(ev->object)) {
      count(&ListWatchCounters::malformed);
      return true;
    }
    if (ev->type == Type::deleted) {
      sink.erase(ev->object);
    } else {
      sink.upsert(ev->object);
    }
  }
  progressed = true;
  count(&ListWatchCounters::events);
  return true;
}

ListWatch::Impl::WatchEnd ListWatch::Impl::watch(bool& progressed) {
  {
    std::lock_guard lock(counters_mu);
    ++counters.requests;
    ++counters.watches;
  }
  std::string path = fmt::format("{}?watch=1&resourceVersion={}&allowWatchBookmarks=true&timeoutSeconds={}",
                                 options.path, url_encode(resource_version), options.watch_timeout_seconds);
  if (!options.label_selector.empty()) path += "&labelSelector=" + url_encode(options.label_selector);
  if (!options.field_selector.empty()) path += "&fieldSelector=" + url_encode(options.field_selector);
  WatchEnd end = WatchEnd::closed;
  LineSink lines;
  lines.max_line = options.max_object_bytes;
  lines.on_line = [&](std::string_view line) { return handle_line(line, end, progressed); };
  lines.on_oversized = [&](std::size_t bytes) {
    count(&ListWatchCounters::oversized);
    log::warn("watch {}: skipping an event of {} bytes (limit {})", options.path, bytes, options.max_object_bytes);
  };
  auto resp = client.stream(path, lines, stop, options.watch_idle_timeout);
  if (!resp && resp.error().code == ETIMEDOUT && !stop) {
    log::warn("watch {}: {}; relisting", options.path, resp.error().message());
    count(&ListWatchCounters::stalled);
    return WatchEnd::stalled;
  }
  if (!resp) {
    if (!stop) {
      log::warn("watch {}: {}", options.path, resp.error().message());
      count(&ListWatchCounters::errors);
    }
    return WatchEnd::failed;
  }
  if (resp->status == kHttpGone) return WatchEnd::gone;
  if (resp->status != kHttpOk) {
    log::warn("watch {}: HTTP {}", options.path, resp->status);
    count(&ListWatchCounters::errors);
    return WatchEnd::failed;
  }
  return end;
}

void ListWatch::Impl::run() {
  bool need_list = true;
  while (!stop) {
    if (need_list) {
      auto r = list();
      if (!r) {
        if (stop) break;
        log::warn("{}", r.error().message());
        count(&ListWatchCounters::errors);
        wait(backoff.next());
        continue;
      }
      need_list = false;
    }
    bool progressed = false;
    WatchEnd end = watch(progressed);
    if (stop) break;
    // 410 Gone: our resourceVersion is too old. Any other ERROR event, or
    // a stream that stalled, leaves our state unknown. These relist; a
    // dropped or closed stream resumes from the last resourceVersion seen.
    need_list = end == WatchEnd::gone || end == WatchEnd::error_event || end == WatchEnd::stalled;
    if (progressed) backoff.reset();
    wait(backoff.next());
  }
}

}  // namespace seismo::pods
