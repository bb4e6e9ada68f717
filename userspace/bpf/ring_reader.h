#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"

namespace seismo::bpf {

// Consumes one BPF ring buffer on a thread of its own. Each record is
// handed to `on_record` on that thread; an exception from it is logged and
// counted, never propagated through libbpf's C callback.
class RingReader {
 public:
  using OnRecord = std::function<void(const void* data, size_t size)>;

  // `what` names the reader in logs ("tcp probe").
  static Result<std::unique_ptr<RingReader>> create(int map_fd, OnRecord on_record, std::string what);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  [[nodiscard]] uint64_t handler_failures() const { return handler_failures_.load(); }

 private:
  RingReader() = default;
  static int on_sample(void* ctx, void* data, size_t size);
  void run();

  RingBufPtr ring_;
  OnRecord on_record_;
  std::string what_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> handler_failures_{0};
  std::thread thread_;  // last: started after everything it uses exists
};

}  // namespace seismo::bpf
