#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "pods/pod.h"

namespace seismo::pods {

// One line of a pod watch stream ({"type": ..., "object": {...}}), checked.
struct WatchEvent {
  enum class Type { added, modified, deleted, bookmark, error };
  Type type = Type::error;
  std::string resource_version;  // bookmark; the pod's for added/modified/deleted
  std::optional<Pod> pod;        // added/modified/deleted
  bool gone = false;             // an ERROR event with code 410 (our resourceVersion is too old)
};

// Decodes one watch line. Errors name the field ("field 'type': unknown
// event type 'X'") and mean the line is skipped.
[[nodiscard]] Result<WatchEvent> decode_watch_event(std::string_view line);

}  // namespace seismo::pods
