#pragma once

// Numbered UDP datagrams from a pod to its node side of the veth: the egress
// of the pod's eth0, which a NetworkFault with `direction: to` drops. Each
// arrival names the moment its datagram was sent, so a test can tell when a
// pod's traffic started or stopped passing to within one polling round.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "netns_fixture.h"

namespace seismo::testing {

class PodProbe {
 public:
  using Clock = std::chrono::steady_clock;
  // `node_ip`:`port` is bound in `node`; the sender lives in `pod`.
  static Result<PodProbe> open(const TestNetns& pod, const TestNetns& node, const std::string& node_ip,
                               uint16_t port);

  // Sends one datagram now; its sequence number.
  uint32_t send();
  // What arrived since the last call (never blocks).
  std::vector<uint32_t> drain();
  [[nodiscard]] Clock::time_point sent_at(uint32_t seq) const { return sent_.at(seq); }
  [[nodiscard]] uint32_t next_seq() const { return static_cast<uint32_t>(sent_.size()); }

  // `count` datagrams 5 ms apart, then up to `wait` for them: how many arrived.
  int delivered(int count, std::chrono::milliseconds wait = std::chrono::milliseconds(300));

 private:
  PodProbe(UniqueFd tx, UniqueFd rx) : tx_(std::move(tx)), rx_(std::move(rx)) {}
  UniqueFd tx_;
  UniqueFd rx_;
  std::vector<Clock::time_point> sent_;
};

// When each probe's traffic changed state, measured from `since` (seconds to
// the send time of the first datagram in the new state: for passing, the
// first one that arrived; for dropping, the first of three in a row lost,
// "lost" meaning not arrived 100 ms after it was sent). Every probe sends
// one datagram per round of `round`; nullopt for a probe that had not
// changed by the timeout. A veth delivers in the sender's own softirq, so a
// datagram that passes arrives within microseconds: 100 ms is slack for a
// loaded machine, not a network's delay.
std::vector<std::optional<double>> wait_for_traffic(const std::vector<PodProbe*>& probes, bool passing,
                                                    PodProbe::Clock::time_point since,
                                                    std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds round = std::chrono::milliseconds(10));

}  // namespace seismo::testing
