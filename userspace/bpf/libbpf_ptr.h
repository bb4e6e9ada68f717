#pragma once

#include <memory>

#include <bpf/libbpf.h>

namespace seismo::bpf {

// Calls a C destroy function; lets unique_ptr own libbpf objects.
template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};

using LinkPtr = std::unique_ptr<bpf_link, CDeleter<bpf_link__destroy>>;
using RingBufPtr = std::unique_ptr<ring_buffer, CDeleter<ring_buffer__free>>;
using ObjectPtr = std::unique_ptr<bpf_object, CDeleter<bpf_object__close>>;

// Routes libbpf's log into seismo's logger (warnings at warn, the verifier
// log and debug chatter at debug). Call once at start-up.
void route_libbpf_log();

}  // namespace seismo::bpf
