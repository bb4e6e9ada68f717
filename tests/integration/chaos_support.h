#pragma once

// Shared by the chaos integration tests and benchmarks: a private BPF
// filesystem, UDP and TCP traffic between test namespaces, and a device's
// tc state as `tc` prints it.

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chaos/fault_engine.h"
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

// An IPv4 socket address (ip in dotted form).
sockaddr_in ipv4(const std::string& ip, uint16_t port);

struct UdpRun {
  uint64_t sent = 0;
  uint64_t send_errors = 0;      // sendto() failures (ENOBUFS with IP_RECVERR)
  uint64_t error_queue = 0;      // messages on the sender's MSG_ERRQUEUE
  uint64_t received = 0;         // distinct sequence numbers that arrived intact
  uint64_t datagrams = 0;        // everything the application read, copies and bad ones included
  uint64_t bad = 0;              // payload not as sent: corrupted data delivered
  uint64_t reordered = 0;        // arrived after a higher sequence number
  uint64_t copies = 0;           // arrived again (duplicates; not in `received`)
  std::vector<uint32_t> arrivals;  // sequence numbers in arrival order (first copies)
  // Arrived ahead of an earlier datagram that came later (netem's reorder
  // share: the packets sent at once, past delayed ones).
  [[nodiscard]] uint64_t ahead() const;
  int64_t highest = -1;          // highest sequence number seen so far
  std::vector<bool> got;         // by sequence number
  // Lengths of each run of consecutive lost datagrams.
  [[nodiscard]] std::vector<uint64_t> loss_bursts() const;
};

// Sends `count` numbered 64-byte datagrams (a sequence number, then a
// pattern of it the receiver checks byte by byte) from `from` to to_ip:port
// in `to`, with IP_RECVERR on the sender so a local drop would show as an
// error; drains the receiver as it goes. `cpu` >= 0 pins the sending thread
// (one Gilbert chain per CPU). `full_checksum`: each datagram is built with
// MSG_MORE and ended by an empty send, so the stack computes the whole UDP
// checksum (CHECKSUM_NONE) instead of leaving it to offload
// (CHECKSUM_PARTIAL, the default on a veth).
Result<UdpRun> udp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                       size_t count, int cpu = -1, uint16_t src_port = 0, bool full_checksum = false);

// What a receiver's checksums rejected: UDP and TCP payload checksums
// (CHECKSUM_NONE packets), the IPv4 header checksum (CHECKSUM_PARTIAL ones).
struct CsumErrors {
  uint64_t udp = 0, tcp = 0, ip = 0;
  static Result<CsumErrors> read(const TestNetns& ns);
  [[nodiscard]] uint64_t total() const { return udp + tcp + ip; }
};

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
  std::vector<double> samples_ms;  // one per answered probe, in send order
  // Nearest-rank percentile of the samples (p in 0..100).
  [[nodiscard]] double percentile(double p) const;
  [[nodiscard]] double stddev() const;
};
// Round trips of `count` UDP probes to an echo responder this function runs
// in `to` (no ping needed): each probe waits for its echo (up to 2 s).
Result<Rtt> udp_rtt(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                    size_t count);

// A fault engine on a private bpffs and state file, resolving targets with
// the namespace resolver (cgroup2 mount from mountinfo).
// `gate` fails chosen install steps (chaos_installer_test).
Result<std::unique_ptr<chaos::FaultEngine>> start_fault_engine(const std::string& bpffs, const std::string& state_file,
                                                               chaos::InstallGate gate = {});

// `tc qdisc show dev X` + `tc filter show dev X ingress/egress` in a netns.
std::string tc_state(const TestNetns& ns, const std::string& dev);

// What the chaos tests and benchmarks start from: a sender namespace a and a
// receiver b joined by a veth (neighbours resolved, so no datagram waits for
// ARP), a private bpffs, and the tc state of both veth ends before any fault.
class FaultLab {
 public:
  static Result<FaultLab> create(const VethPair::Options& options);
  static Result<FaultLab> create() { return create(VethPair::Options{}); }
  FaultLab(FaultLab&&) noexcept = default;
  FaultLab& operator=(FaultLab&&) = delete;

  [[nodiscard]] const TestNetns& a() const { return pair_.a(); }
  [[nodiscard]] const TestNetns& b() const { return pair_.b(); }
  [[nodiscard]] const VethPair& veth() const { return pair_.veth(); }
  [[nodiscard]] const TempBpffs& fs() const { return fs_; }
  [[nodiscard]] std::string a_state() const { return tc_state(a(), veth().a_name()); }
  [[nodiscard]] std::string b_state() const { return tc_state(b(), veth().b_name()); }
  // The baseline the tests compare against (a test that installs its own
  // qdisc or filter first moves the baseline with it).
  std::string a_before;
  std::string b_before;

  [[nodiscard]] Result<std::unique_ptr<chaos::FaultEngine>> start_engine(chaos::InstallGate gate = {}) const {
    return start_fault_engine(fs_.bpffs(), fs_.state_file(), std::move(gate));
  }
  // `count` datagrams a → b to `port`.
  [[nodiscard]] Result<UdpRun> udp(size_t count, uint16_t port, int cpu = -1) const {
    return udp_run(a(), b(), veth().b_ip(), port, count, cpu);
  }

 private:
  FaultLab(TempBpffs fs, NetnsPair pair) : fs_(std::move(fs)), pair_(std::move(pair)) {}
  TempBpffs fs_;  // declared first: outlives the namespaces
  NetnsPair pair_;
};

// For programs (the benchmarks): root check, a lab and an engine on it, or
// the reason on stderr and nullopt.
struct RunningLab {
  FaultLab lab;
  std::unique_ptr<chaos::FaultEngine> engine;
};
std::optional<RunningLab> start_lab_or_report(const char* program);

}  // namespace seismo::testing
