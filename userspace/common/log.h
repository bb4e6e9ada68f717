#pragma once

#include <atomic>
#include <string_view>

#include <fmt/format.h>

namespace seismo::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// The threshold is process-wide configuration set once in main; reads are
// relaxed atomics so any thread may log.
void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace seismo::log
