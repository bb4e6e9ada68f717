#include "support/trace_subscription.h"

#include "api/client.h"

namespace seismo::testing {

Result<std::unique_ptr<TraceSubscription>> TraceSubscription::start(const std::string& socket,
                                                                    const std::string& method,
                                                                    nlohmann::json params, size_t max_events) {
  auto client = api::Client::connect(socket);
  if (!client) return fail(std::move(client).error());
  std::unique_ptr<TraceSubscription> sub(new TraceSubscription());
  sub->thread_ = std::thread([s = sub.get(), c = std::move(*client), method, params = std::move(params),
                              max_events]() mutable {
    (void)c.stream(
        method, params,
        [&](const nlohmann::json& event) {
          std::lock_guard lock(s->mutex_);
          s->events_.push_back(event);
          return s->events_.size() < max_events;
        },
        [&] { return s->stop_.load(); });
  });
  return sub;
}

TraceSubscription::~TraceSubscription() { stop(); }

size_t TraceSubscription::count() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

bool TraceSubscription::wait_for(size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (count() < n) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::vector<nlohmann::json> TraceSubscription::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace seismo::testing
