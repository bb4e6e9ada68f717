#pragma once

// Shared by the chaos integration tests and benchmarks: a private BPF
// filesystem, UDP and TCP traffic between test namespaces, and a device's
// tc state as `tc` prints it.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "netns_fixture.h"

namespace seismo::testing {

// A BPF filesystem mounted on a fresh temporary directory; unmounted and
// removed on destruction (the fault engine's pins never reach /sys/fs/bpf).
class TempBpffs {
 public:
  static Result<TempBpffs> create();
  TempBpffs(TempBpffs&& o) noexcept : dir_(std::exchange(o.dir_, {})) {}
  TempBpffs& operator=(TempBpffs&&) = delete;
  ~TempBpffs();
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string bpffs() const { return dir_ + "/bpffs"; }
  [[nodiscard]] std::string state_file() const { return dir_ + "/faults.json"; }
  // Pins left under <bpffs>/seismo (empty when everything was unpinned).
  [[nodiscard]] std::vector<std::string> pins() const;

 private:
  explicit TempBpffs(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

struct UdpRun {
  uint64_t sent = 0;
  uint64_t send_errors = 0;      // sendto() failures (ENOBUFS with IP_RECVERR)
  uint64_t error_queue = 0;      // messages on the sender's MSG_ERRQUEUE
  uint64_t received = 0;
  std::vector<bool> got;         // by sequence number
  // Lengths of each run of consecutive lost datagrams.
  [[nodiscard]] std::vector<uint64_t> loss_bursts() const;
};

// Sends `count` numbered datagrams from `from` to to_ip:port in `to`, with
// IP_RECVERR on the sender so a local drop would show as an error; drains
// the receiver as it goes. `cpu` >= 0 pins the sending thread (one Gilbert
// chain per CPU).
Result<UdpRun> udp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                       size_t count, int cpu = -1, uint16_t src_port = 0);

struct TcpRun {
  uint64_t bytes_received = 0;
  bool intact = false;           // every byte matched the sent pattern
  uint32_t retransmits = 0;      // tcpi_total_retrans at the sender
  bool send_error = false;
  double seconds = 0;
};
// Sends `bytes` of a deterministic pattern over TCP and checks it arrives.
Result<TcpRun> tcp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                       size_t bytes);

struct Rtt {
  double min_ms = 0, avg_ms = 0, max_ms = 0;
  size_t answered = 0;
};
// Round trips of `count` UDP probes to an echo responder this function runs
// in `to` (no ping needed): each probe waits for its echo (up to 2 s).
Result<Rtt> udp_rtt(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                    size_t count);

// `tc qdisc show dev X` + `tc filter show dev X ingress/egress` in a netns.
std::string tc_state(const TestNetns& ns, const std::string& dev);

}  // namespace seismo::testing
