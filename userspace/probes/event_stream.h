#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "bpf/ring_reader.h"
#include "common/result.h"

namespace seismo::probes {

// One probe's ring buffer of discrete events: each record is decoded into
// Event and handed to the callback on the reader's own thread. Records that
// do not decode (wrong size, version or kind) are counted, never delivered,
// so a kernel/userspace mismatch shows up as a loss stage instead of garbage.
template <typename Event>
class EventStream {
 public:
  using Decode = Result<Event> (*)(const void* data, size_t size);
  using Callback = std::function<void(const Event&)>;

  // `what` names the stream in logs ("exec probe"). A null callback still
  // consumes (and validates) the records.
  static Result<std::unique_ptr<EventStream>> start(int ring_fd, Decode decode, Callback on_event, std::string what) {
    std::unique_ptr<EventStream> stream(new EventStream(decode, std::move(on_event)));
    auto reader = bpf::RingReader::create(
        ring_fd, [s = stream.get()](const void* data, size_t size) { s->on_record(data, size); }, std::move(what));
    if (!reader) return fail(std::move(reader).error());
    stream->reader_ = std::move(*reader);
    return stream;
  }

  [[nodiscard]] uint64_t malformed() const { return malformed_.load(); }

 private:
  EventStream(Decode decode, Callback on_event) : decode_(decode), on_event_(std::move(on_event)) {}

  void on_record(const void* data, size_t size) {
    auto ev = decode_(data, size);
    if (!ev) {
      malformed_.fetch_add(1);
      return;
    }
    if (on_event_) on_event_(*ev);
  }

  Decode decode_;
  Callback on_event_;
  std::atomic<uint64_t> malformed_{0};
  std::unique_ptr<bpf::RingReader> reader_;  // last: its thread stops before the rest goes
};

}  // namespace seismo::probes
