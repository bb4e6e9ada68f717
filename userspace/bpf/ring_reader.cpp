#include "bpf/ring_reader.h"

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace seismo::bpf {

Result<std::unique_ptr<RingReader>> RingReader::create(int map_fd, OnRecord on_record, std::string what) {
  std::unique_ptr<RingReader> r(new RingReader());
  r->on_record_ = std::move(on_record);
  r->what_ = std::move(what);
  ring_buffer* rb = ring_buffer__new(map_fd, &RingReader::on_sample, r.get(), nullptr);
  if (!rb) return fail_errno(errno, r->what_ + ": create ring buffer consumer");
  r->ring_.reset(rb);
  r->thread_ = std::thread([p = r.get()] { p->run(); });
  return r;
}

RingReader::~RingReader() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

// Runs inside ring_buffer__poll: must not throw.
int RingReader::on_sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  try {
    self->on_record_(data, size);
  } catch (const std::exception& e) {
    self->handler_failures_.fetch_add(1);
    log::error("{}: event handler failed: {}", self->what_, e.what());
  }
  return 0;
}

void RingReader::run() {
  while (!stop_.load()) {
    int n = ring_buffer__poll(ring_.get(), 250);
    if (n < 0 && n != -EINTR) {
      log::error("{}: ring buffer poll: {}", what_, std::strerror(-n));
      return;
    }
  }
}

}  // namespace seismo::bpf
