#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "pods/pod.h"

namespace seismo::pods {

// One line of a watch stream ({"type": ..., "object": {...}}) of any
// resource, checked as far as every resource agrees: the type, an object,
// and for ADDED/MODIFIED/DELETED/BOOKMARK its metadata.resourceVersion.
struct RawWatchEvent {
  enum class Type { added, modified, deleted, bookmark, error };
  Type type = Type::error;
  std::string resource_version;  // of the object (or the bookmark); empty for error
  nlohmann::json object;         // the object (added/modified/deleted); the Status for error
  bool gone = false;             // an ERROR event with code 410 (our resourceVersion is too old)
};

// Errors name the field ("field 'type': unknown event type 'X'") and mean
// the line is skipped.
[[nodiscard]] Result<RawWatchEvent> decode_raw_watch_event(std::string_view line);

// One line of a pod watch stream, checked.
struct WatchEvent {
  using Type = RawWatchEvent::Type;
  Type type = Type::error;
  std::string resource_version;  // bookmark; the pod's for added/modified/deleted
  std::optional<Pod> pod;        // added/modified/deleted
  bool gone = false;             // an ERROR event with code 410 (our resourceVersion is too old)
};

// Decodes one watch line. Errors name the field ("field 'type': unknown
// event type 'X'") and mean the line is skipped.
[[nodiscard]] Result<WatchEvent> decode_watch_event(std::string_view line);

}  // namespace seismo::pods
