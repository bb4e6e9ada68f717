#include "pods/watch_event.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pods/pod_json.h"

namespace seismo::pods {

namespace {
constexpr long kHttpGone = 410;
}  // namespace

Result<WatchEvent> decode_watch_event(std::string_view line) {
  auto ev = nlohmann::json::parse(line, nullptr, false);
  if (ev.is_discarded() || !ev.is_object()) return fail_plain("not a JSON object");
  auto type = ev.find("type");
  auto object = ev.find("object");
  if (type == ev.end() || !type->is_string()) return fail_plain("field 'type': missing or not a string");
  if (object == ev.end() || !object->is_object()) return fail_plain("field 'object': missing or not an object");
  const auto& t = type->get_ref<const std::string&>();
  WatchEvent out;
  if (t == "ERROR") {
    auto code = object->find("code");
    out.type = WatchEvent::Type::error;
    out.gone = code != object->end() && code->is_number_integer() && code->get<long>() == kHttpGone;
    return out;
  }
  if (t == "BOOKMARK") {
    auto meta = object->find("metadata");
    if (meta == object->end() || !meta->is_object()) {
      return fail_plain("BOOKMARK: field 'object.metadata.resourceVersion': missing or not a string");
    }
    auto rv = meta->find("resourceVersion");
    if (rv == meta->end() || !rv->is_string()) {
      return fail_plain("BOOKMARK: field 'object.metadata.resourceVersion': missing or not a string");
    }
    out.type = WatchEvent::Type::bookmark;
    out.resource_version = rv->get<std::string>();
    return out;
  }
  if (t == "ADDED") {
    out.type = WatchEvent::Type::added;
  } else if (t == "MODIFIED") {
    out.type = WatchEvent::Type::modified;
  } else if (t == "DELETED") {
    out.type = WatchEvent::Type::deleted;
  } else {
    return fail_plain(fmt::format("field 'type': unknown event type '{}'", t));
  }
  auto pod = pod_from_json(*object);
  if (!pod) return fail_plain(fmt::format("{}: {}", t, pod.error().message()));
  out.resource_version = pod->resource_version;
  out.pod = std::move(*pod);
  return out;
}

}  // namespace seismo::pods
