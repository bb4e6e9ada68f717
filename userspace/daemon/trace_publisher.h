#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cgroup/cgroup_resolver.h"
#include "events/attribution_hold.h"
#include "events/event_hub.h"
#include "pods/pod_store.h"

namespace seismo::daemon {

// Where trace events get their identity before they reach the hub: the
// cgroup's path (resolved when the kernel's event is read, while the cgroup
// still exists), the pod UID and container id that path names, and, when
// pods come from the API server, the pod's namespace, name, container and
// labels joined from the store at that moment (so a pod deleted a moment
// later keeps its events). An event whose pod the store does not know yet
// waits on an AttributionHold (≤ max_hold) for the watch to deliver it.
class TracePublisher {
 public:
  // `store` null: pods are off (no API server); events carry what the
  // cgroup path says and are never held.
  TracePublisher(events::EventHub& hub, const std::string& cgroup_root, const pods::PodStore* store,
                 events::AttributionHoldOptions hold = {});

  [[nodiscard]] bool wants(const std::string& topic) const { return hub_.has_subscribers(topic); }
  // The cgroup's path as JSON (null once the cgroup is gone).
  nlohmann::json cgroup_path(uint64_t cgroup_id);
  [[nodiscard]] std::optional<std::string> lookup(uint64_t cgroup_id);
  // Adds the owner fields to `event` (which has "cgroup") and publishes it,
  // now or, for a pod not known yet, when the hold releases it.
  void publish(const std::string& topic, nlohmann::json event);
  // The pod store changed: held events may find their pod now.
  void pods_changed();
  // nullopt when pods are off.
  [[nodiscard]] std::optional<events::AttributionHoldCounters> hold_counters() const;

 private:
  events::EventHub& hub_;
  std::mutex resolver_mutex_;
  cgroup::CgroupResolver resolver_;
  std::unique_ptr<events::AttributionHold> hold_;  // last: its thread publishes to hub_
};

}  // namespace seismo::daemon
