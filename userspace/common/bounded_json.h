#pragma once

#include <cerrno>
#include <cstddef>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo {

// Parses JSON from outside, refusing nesting deeper than `max_depth` levels
// (nlohmann parses iteratively, but code that walks the value, and its
// recursive dump(), would run out of stack on a 500k-deep value). Too deep:
// EINVAL, starting with `what`; not JSON: EBADMSG with the parser's message
// (callers word that one themselves).
inline Result<nlohmann::json> parse_bounded_json(std::string_view text, int max_depth, std::string_view what) {
  using nlohmann::json;
  bool too_deep = false;
  // depth: how many containers enclose the event; a container starting at
  // depth max_depth would be level max_depth + 1.
  json::parser_callback_t limit = [&](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= max_depth) {
      too_deep = true;
      return false;  // discarded; the parse runs on (iteratively) to the end
    }
    return !too_deep;
  };
  json doc;
  try {
    doc = json::parse(text, limit, /*allow_exceptions=*/true);
  } catch (const json::parse_error& e) {
    return fail_errno(EBADMSG, e.what());
  }
  if (too_deep) return fail_errno(EINVAL, fmt::format("{} nests deeper than {} levels", what, max_depth));
  return doc;
}

}  // namespace seismo
