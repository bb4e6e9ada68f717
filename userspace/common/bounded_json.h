#pragma once

#include <cerrno>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo {

namespace bounded_json_detail {

// One open container while parsing: the keys an object has had, or how
// many elements an array has started.
struct Frame {
  bool object = false;
  std::set<std::string> keys;
  std::string key;   // object: the member being read
  size_t count = 0;  // array: elements started
};

// "faults[0].loss": the path to the innermost frame.
inline std::string path_of(const std::vector<Frame>& frames) {
  std::string path;
  for (size_t i = 0; i + 1 < frames.size(); ++i) {
    if (frames[i].object)
      path += (path.empty() ? "" : ".") + frames[i].key;
    else
      path += fmt::format("[{}]", frames[i].count - 1);
  }
  return path;
}

}  // namespace bounded_json_detail

// Parses JSON from outside, refusing nesting deeper than `max_depth` levels
// (nlohmann parses iteratively, but code that walks the value, and its
// recursive dump(), would run out of stack on a 500k-deep value) and a key
// repeated in one object (nlohmann keeps the last; the sender may have meant
// either). Too deep or a duplicate key: EINVAL, starting with `what` and
// naming the key path; not JSON: EBADMSG with the parser's message (callers
// word that one themselves).
inline Result<nlohmann::json> parse_bounded_json(std::string_view text, int max_depth, std::string_view what) {
  using nlohmann::json;
  using Event = json::parse_event_t;
  bool too_deep = false;
  std::string deep_path;  // where, once too deep
  std::string duplicate;  // the error, once a key repeats
  // depth: how many containers enclose the event; a container starting at
  // depth max_depth would be level max_depth + 1. End events of discarded
  // containers are not reported, so frames follow `depth`, not start/end.
  std::vector<bounded_json_detail::Frame> frames;
  json::parser_callback_t limit = [&](int depth, Event event, json& parsed) {
    if (too_deep || !duplicate.empty()) return false;  // discarded; the parse runs on (iteratively) to the end
    const auto d = static_cast<size_t>(depth);
    const bool starts = event == Event::object_start || event == Event::array_start;
    if ((starts || event == Event::value) && d > 0 && d <= frames.size() && !frames[d - 1].object)
      ++frames[d - 1].count;
    if (starts) {
      frames.resize(d);
      frames.push_back({event == Event::object_start, {}, {}, 0});
      if (depth >= max_depth) {
        too_deep = true;
        deep_path = bounded_json_detail::path_of(frames);
        return false;
      }
    } else if (event == Event::key && d > 0 && d <= frames.size()) {
      frames.resize(d);
      auto& frame = frames.back();
      frame.key = parsed.get<std::string>();
      if (!frame.keys.insert(frame.key).second) {
        std::string path = bounded_json_detail::path_of(frames);
        duplicate = fmt::format("{}: {}duplicate key '{}'", what, path.empty() ? "" : path + ": ", frame.key);
        return false;
      }
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text, limit, /*allow_exceptions=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    return fail_errno(EBADMSG, e.what());
  }
  if (too_deep)
    return fail_errno(EINVAL, fmt::format("{} nests deeper than {} levels{}", what, max_depth,
                                          deep_path.empty() ? "" : " (at " + deep_path + ")"));
  if (!duplicate.empty()) return fail_errno(EINVAL, duplicate);
  return doc;
}

}  // namespace seismo
