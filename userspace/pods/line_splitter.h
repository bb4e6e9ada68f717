#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace seismo::pods {

// Callbacks for a streamed (watch) response. on_line returns false to end
// the stream early; lines longer than max_line are dropped whole and
// reported through on_oversized.
struct LineSink {
  std::size_t max_line = 0;
  std::function<bool(std::string_view line)> on_line;
  std::function<void(std::size_t bytes)> on_oversized;
};

// Splits a byte stream arriving in arbitrary chunks into '\n'-terminated
// lines for a LineSink. Empty lines are skipped; a line never holds more
// than max_line bytes (a longer one is counted and dropped, so memory stays
// bounded whatever the server sends).
class LineSplitter {
 public:
  explicit LineSplitter(LineSink& sink) : sink_(sink) {}

  // False once on_line asked to stop; nothing more is delivered then.
  bool feed(std::string_view data);
  // The stream ended cleanly: a last line without '\n' still counts.
  void finish();

 private:
  LineSink& sink_;
  std::string line_;
  bool discarding_ = false;
  bool ended_ = false;
  std::size_t discarded_ = 0;
};

}  // namespace seismo::pods
