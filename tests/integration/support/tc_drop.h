#pragma once

#include <memory>

#include "common/result.h"
#include "support/netns_peer.h"

struct sigtest_drop_bpf;

namespace seismo::testing {

// Drops every packet arriving on the namespace side of a NetnsPeer (tc
// ingress of its eth0, a BPF program returning TC_ACT_SHOT). remove() or
// destruction takes the clsact qdisc and filter away again.
class TcDrop {
 public:
  static Result<TcDrop> install(const NetnsPeer& peer);
  TcDrop(TcDrop&& o) noexcept;
  TcDrop& operator=(TcDrop&&) = delete;
  ~TcDrop();
  Result<void> remove();

 private:
  struct SkelDeleter {
    void operator()(sigtest_drop_bpf* s) const noexcept;
  };
  TcDrop() = default;
  const NetnsPeer* peer_ = nullptr;
  std::unique_ptr<sigtest_drop_bpf, SkelDeleter> skel_;
};

}  // namespace seismo::testing
