#pragma once

// Goodput and latency under load between two test namespaces, for the
// bandwidth fault's tests and bench/fault_fidelity: an iperf3 TCP (or UDP)
// flow a → b with ping beside it, and tbf on the same veth to compare with.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "netns_fixture.h"

namespace seismo::testing {

struct LoadRun {
  double goodput_bps = 0;     // receiver side, iperf3's sum_received
  uint64_t retransmits = 0;   // TCP, sender side
  std::vector<double> rtt_ms; // ping a → b while the flow ran
  [[nodiscard]] double rtt_percentile(double p) const;  // nearest rank; 0 when none answered
};

struct LoadOptions {
  int seconds = 5;
  int omit_seconds = 1;    // iperf3 -O: the start (slow start, a full bucket) is left out
  uint16_t port = 5201;
  uint64_t udp_bps = 0;    // 0: TCP; else a UDP flow at this rate
  bool ping = true;        // ping beside the flow (0.05 s apart)
};

// One iperf3 run from `from` to to_ip (a one-off server in `to`).
Result<LoadRun> load_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip,
                         const LoadOptions& options);

// A UDP flow a → b sent by this process at a paced rate (no iperf3: the
// sender's socket buffer is made large enough that the socket never holds
// it back, as it would behind a long EDT queue), each datagram stamped with
// its CLOCK_MONOTONIC send time so the receiver, on the same clock, reads
// its one-way latency.
struct PacedUdpRun {
  uint64_t sent = 0, received = 0;
  double goodput_bps = 0;         // payload bits received per second after the omitted start
  std::vector<double> one_way_ms; // of the datagrams sent after the omitted start
  [[nodiscard]] double one_way_percentile(double p) const;  // nearest rank; 0 when none arrived
};
struct PacedUdpOptions {
  uint64_t rate_bps = 1'000'000;  // payload bits per second the sender paces at
  double seconds = 4;
  double omit_seconds = 1;        // the start (a full bucket, an empty queue) is left out
  uint16_t port = 5301;
  size_t payload = 1400;          // bytes a datagram (at least 16: sequence and stamp)
};
Result<PacedUdpRun> paced_udp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip,
                                  const PacedUdpOptions& options);

// ping a → b on an idle link: the baseline "added latency" subtracts.
Result<std::vector<double>> ping_idle(const TestNetns& from, const std::string& to_ip, int count);

// tbf on `dev` in `ns` (root qdisc), removed on destruction.
class TbfQdisc {
 public:
  static Result<TbfQdisc> add(const TestNetns& ns, const std::string& dev, uint64_t rate_bps, uint64_t burst_bytes,
                              uint64_t limit_bytes);
  TbfQdisc(TbfQdisc&& o) noexcept : ns_(o.ns_), dev_(std::move(o.dev_)) { o.ns_ = nullptr; }
  TbfQdisc& operator=(TbfQdisc&&) = delete;
  ~TbfQdisc();

 private:
  TbfQdisc(const TestNetns& ns, std::string dev) : ns_(&ns), dev_(std::move(dev)) {}
  const TestNetns* ns_;
  std::string dev_;
};

// The kernel's own policer on `dev` in `ns`: clsact + `matchall action police
// rate R burst B mtu 64kb drop` at `hook` (ingress or egress; act_police,
// cls_matchall), removed (clsact deleted) on destruction. mtu 64kb: a
// TSO/GSO packet is charged in full, as ours is, instead of being dropped as
// over-sized. To compare with a fault, police at the receiver's ingress: a
// drop there is silent to the sender, as a fault's (TC_ACT_STOLEN) and a
// policer in the network are, while act_police at the sender's own egress
// returns the drop to the sending socket (TCP requeues, no retransmit).
class PoliceFilter {
 public:
  static Result<PoliceFilter> add(const TestNetns& ns, const std::string& dev, const std::string& hook,
                                  uint64_t rate_bps, uint64_t burst_bytes);
  PoliceFilter(PoliceFilter&& o) noexcept : ns_(o.ns_), dev_(std::move(o.dev_)) { o.ns_ = nullptr; }
  PoliceFilter& operator=(PoliceFilter&&) = delete;
  ~PoliceFilter();

 private:
  PoliceFilter(const TestNetns& ns, std::string dev) : ns_(&ns), dev_(std::move(dev)) {}
  const TestNetns* ns_;
  std::string dev_;
};

// Whether this kernel has act_police and cls_matchall (tried on a dummy veth
// end in `ns`: `dev` must exist there and carry no clsact).
bool kernel_police_available(const TestNetns& ns, const std::string& dev);

}  // namespace seismo::testing
