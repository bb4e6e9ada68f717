#include "pods/line_splitter.h"

namespace seismo::pods {

bool LineSplitter::feed(std::string_view in) {
  if (ended_) return false;
  while (!in.empty()) {
    auto nl = in.find('\n');
    auto chunk = in.substr(0, nl);
    if (discarding_) {
      discarded_ += chunk.size();
    } else if (line_.size() + chunk.size() > sink_.max_line) {
      discarding_ = true;
      discarded_ = line_.size() + chunk.size();
      line_.clear();
    } else {
      line_.append(chunk);
    }
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
    if (discarding_) {
      if (sink_.on_oversized) sink_.on_oversized(discarded_);
      discarding_ = false;
      discarded_ = 0;
    } else if (!line_.empty()) {
      bool more = sink_.on_line(line_);
      line_.clear();
      if (!more) {
        ended_ = true;
        return false;
      }
    }
  }
  return true;
}

void LineSplitter::finish() {
  if (!ended_ && !discarding_ && !line_.empty()) (void)sink_.on_line(line_);
  line_.clear();
  ended_ = true;
}

}  // namespace seismo::pods
