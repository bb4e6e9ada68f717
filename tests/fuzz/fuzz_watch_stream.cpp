// The pod watch stream as bytes from the API server: LineSplitter cuts it
// into lines (in chunks chosen by the input), each line is decoded with
// decode_raw_watch_event / decode_watch_event. Invariants: the same lines whatever the chunking,
// none longer than max_line, oversized ones counted.
// Input: byte 0 picks max_line (16-4111 bytes) and the chunk size, the rest
// is the stream.
#include <vector>

#include "fuzz_check.h"
#include "pods/line_splitter.h"
#include "pods/watch_event.h"

using namespace seismo;

namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<size_t> oversized;
};

Collected split(std::string_view stream, size_t max_line, size_t chunk) {
  Collected out;
  pods::LineSink sink;
  sink.max_line = max_line;
  sink.on_line = [&](std::string_view line) {
    out.lines.emplace_back(line);
    return true;
  };
  sink.on_oversized = [&](size_t bytes) { out.oversized.push_back(bytes); };
  pods::LineSplitter splitter(sink);
  for (size_t i = 0; i < stream.size(); i += chunk) fuzz::check(splitter.feed(stream.substr(i, chunk)), "feed continues");
  splitter.finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t max_line = 16 + (static_cast<size_t>(data[0]) << 4);
  size_t chunk = 1 + data[0] % 7;
  auto stream = fuzz::as_text(data + 1, size - 1);
  auto whole = split(stream, max_line, stream.size() + 1);
  auto pieces = split(stream, max_line, chunk);
  fuzz::check(whole.lines == pieces.lines && whole.oversized == pieces.oversized, "chunking changes nothing");
  for (const auto& line : whole.lines) {
    fuzz::check(!line.empty() && line.size() <= max_line && line.find('\n') == std::string::npos,
                "lines are non-empty, bounded, without '\\n'");
    auto raw = pods::decode_raw_watch_event(line);
    if (raw) {
      fuzz::check(raw->type == pods::RawWatchEvent::Type::error || !raw->resource_version.empty(),
                  "every event but ERROR carries a resourceVersion to resume from");
    }
    auto ev = pods::decode_watch_event(line);
    if (!ev) continue;
    fuzz::check(raw.has_value() && raw->type == ev->type, "a pod event is a raw event of the same type");
    bool pod_event = ev->type == pods::WatchEvent::Type::added || ev->type == pods::WatchEvent::Type::modified ||
                     ev->type == pods::WatchEvent::Type::deleted;
    fuzz::check(pod_event == ev->pod.has_value(), "pod events and only they carry a pod");
    if (pod_event) fuzz::check(ev->resource_version == ev->pod->resource_version, "the pod's resourceVersion");
  }
  // An early stop delivers nothing more.
  pods::LineSink stop_sink;
  stop_sink.max_line = max_line;
  size_t delivered = 0;
  stop_sink.on_line = [&](std::string_view) { return ++delivered < 2; };
  pods::LineSplitter stopper(stop_sink);
  for (size_t i = 0; i < stream.size(); i += chunk) (void)stopper.feed(stream.substr(i, chunk));
  stopper.finish();
  fuzz::check(delivered == std::min<size_t>(2, whole.lines.size()), "nothing after on_line returns false");
  return 0;
}
