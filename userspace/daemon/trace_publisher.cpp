#include "daemon/trace_publisher.h"

#include "daemon/trace_events.h"

namespace seismo::daemon {

using nlohmann::json;

TracePublisher::TracePublisher(events::EventHub& hub, const std::string& cgroup_root, const pods::PodStore* store,
                               events::AttributionHoldOptions hold)
    : hub_(hub), resolver_(cgroup_root) {
  if (store == nullptr) return;
  hold_ = std::make_unique<events::AttributionHold>(
      [store](json& event, const std::string& uid) {
        auto pod = store->by_uid_or_recent(uid);
        if (!pod) return false;
        add_pod_fields(event, *pod);
        return true;
      },
      [&hub](const std::string& topic, const json& event) { hub.publish(topic, event); }, hold);
}

std::optional<std::string> TracePublisher::lookup(uint64_t cgroup_id) {
  std::lock_guard lock(resolver_mutex_);
  resolver_.begin_pass();
  return resolver_.lookup(cgroup_id);
}

json TracePublisher::cgroup_path(uint64_t cgroup_id) {
  if (auto p = lookup(cgroup_id)) return *p;
  return nullptr;
}

void TracePublisher::publish(const std::string& topic, json event) {
  add_cgroup_owner(event);
  if (!hold_) {
    hub_.publish(topic, event);
    return;
  }
  const auto& uid = event["pod_uid"];
  const std::string key = uid.is_string() ? uid.get<std::string>() : std::string();
  hold_->submit(topic, std::move(event), key);
}

void TracePublisher::pods_changed() {
  if (hold_) hold_->retry();
}

std::optional<events::AttributionHoldCounters> TracePublisher::hold_counters() const {
  if (!hold_) return std::nullopt;
  return hold_->counters();
}

}  // namespace seismo::daemon
