#include "pods/watch_event.h"

#include <fmt/format.h>

#include "pods/pod_json.h"

namespace seismo::pods {

namespace {
constexpr long kHttpGone = 410;

Result<std::string> object_resource_version(const nlohmann::json& object, std::string_view type) {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    auto rv = meta->find("resourceVersion");
    if (rv != meta->end() && rv->is_string() && !rv->get_ref<const std::string&>().empty()) return rv->get<std::string>();
  }
  return fail_plain(fmt::format("{}: field 'object.metadata.resourceVersion': missing or not a string", type));
}
}  // namespace

Result<RawWatchEvent> decode_raw_watch_event(std::string_view line) {
  auto ev = nlohmann::json::parse(line, nullptr, false);
  if (ev.is_discarded() || !ev.is_object()) return fail_plain("not a JSON object");
  auto type = ev.find("type");
  auto object = ev.find("object");
  if (type == ev.end() || !type->is_string()) return fail_plain("field 'type': missing or not a string");
  if (object == ev.end() || !object->is_object()) return fail_plain("field 'object': missing or not an object");
  const auto& t = type->get_ref<const std::string&>();
  RawWatchEvent out;
  if (t == "ERROR") {
    auto code = object->find("code");
    out.type = RawWatchEvent::Type::error;
    out.gone = code != object->end() && code->is_number_integer() && code->get<long>() == kHttpGone;
    out.object = std::move(*object);
    return out;
  }
  if (t == "BOOKMARK") {
    out.type = RawWatchEvent::Type::bookmark;
  } else if (t == "ADDED") {
    out.type = RawWatchEvent::Type::added;
  } else if (t == "MODIFIED") {
    out.type = RawWatchEvent::Type::modified;
  } else if (t == "DELETED") {
    out.type = RawWatchEvent::Type::deleted;
  } else {
    return fail_plain(fmt::format("field 'type': unknown event type '{}'", t));
  }
  auto rv = object_resource_version(*object, t);
  if (!rv) return fail(rv.error());
  out.resource_version = std::move(*rv);
  if (out.type != RawWatchEvent::Type::bookmark) out.object = std::move(*object);
  return out;
}

Result<WatchEvent> decode_watch_event(std::string_view line) {
  auto raw = decode_raw_watch_event(line);
  if (!raw) return fail(raw.error());
  WatchEvent out;
  out.type = raw->type;
  out.gone = raw->gone;
  out.resource_version = std::move(raw->resource_version);
  if (raw->type == WatchEvent::Type::error || raw->type == WatchEvent::Type::bookmark) return out;
  auto pod = pod_from_json(raw->object);
  if (!pod) {
    const char* name = raw->type == WatchEvent::Type::added ? "ADDED"
                       : raw->type == WatchEvent::Type::modified ? "MODIFIED" : "DELETED";
    return fail_plain(fmt::format("{}: {}", name, pod.error().message()));
  }
  out.resource_version = pod->resource_version;
  out.pod = std::move(*pod);
  return out;
}

}  // namespace seismo::pods
