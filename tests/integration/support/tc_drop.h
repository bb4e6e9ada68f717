#pragma once

#include <memory>

#include "common/result.h"
#include "support/netns_peer.h"

struct sigtest_drop_bpf;

namespace seismo::testing {

// Drops packets on the namespace side of a NetnsPeer: by default every
// packet arriving there (tc ingress of its eth0, TC_ACT_SHOT); with
// options, every Nth, or what leaves it (egress, TC_ACT_STOLEN: silently,
// as a lossy wire would). remove() or destruction takes the clsact qdisc
// and filter away again.
struct TcDropOptions {
  bool egress = false;
  uint32_t every = 1;  // drop one packet in this many
};

class TcDrop {
 public:
  static Result<TcDrop> install(const NetnsPeer& peer, TcDropOptions options = {});
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
