#pragma once

// Network namespaces and veth pairs for integration tests: unique names
// (smc<pid>n<k>), created with iproute2 (tests may use the tools; seismod
// never does), removed by destructors even when a test fails part-way.
// Generic: nothing here knows about seismo's probes or faults.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::testing {

// Runs argv, returns exit status and combined stdout+stderr.
struct CommandOutput {
  int status = -1;
  std::string output;
};
CommandOutput run_command(const std::vector<std::string>& argv);
// Same, but fails unless the command exits 0.
Result<std::string> run_checked(const std::vector<std::string>& argv);

// A named network namespace (/run/netns/<name>) owned by the test.
class TestNetns {
 public:
  static Result<TestNetns> create();
  TestNetns(TestNetns&& o) noexcept : name_(std::exchange(o.name_, {})), fd_(std::move(o.fd_)) {}
  TestNetns& operator=(TestNetns&&) = delete;
  TestNetns(const TestNetns&) = delete;
  ~TestNetns();

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::string path() const { return "/run/netns/" + name_; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  // A socket created inside the namespace (sockets keep their netns).
  [[nodiscard]] Result<UniqueFd> socket(int domain, int type, int protocol = 0) const;
  // `ip netns exec <name> argv...`
  CommandOutput exec(const std::vector<std::string>& argv) const;
  // Reads a field of /proc/net/snmp inside the namespace ("Udp", "SndbufErrors").
  [[nodiscard]] Result<uint64_t> snmp(const std::string& proto, const std::string& field) const {
    return proc_net_field("snmp", proto, field);
  }
  // The same of /proc/net/netstat ("IpExt", "InCsumErrors").
  [[nodiscard]] Result<uint64_t> netstat(const std::string& proto, const std::string& field) const {
    return proc_net_field("netstat", proto, field);
  }
  // A field of /proc/net/<file>, whose lines come in pairs: "Proto: names" then "Proto: values".
  [[nodiscard]] Result<uint64_t> proc_net_field(const std::string& file, const std::string& proto,
                                                const std::string& field) const;

  // Deletes namespaces left by test processes that died (their pid is gone).
  static void sweep_stale();

 private:
  TestNetns(std::string name, UniqueFd fd) : name_(std::move(name)), fd_(std::move(fd)) {}
  std::string name_;
  UniqueFd fd_;
};

// A veth pair with one end in each namespace, addressed and up. IPv6 is off
// on both ends unless asked (no router solicitations or DAD in counters).
class VethPair {
 public:
  struct Options {
    std::string a_address = "10.200.0.1/24";
    std::string b_address = "10.200.0.2/24";
    bool ipv6 = false;
  };
  static Result<VethPair> create(const TestNetns& a, const TestNetns& b, const Options& options);
  static Result<VethPair> create(const TestNetns& a, const TestNetns& b) { return create(a, b, Options{}); }
  VethPair(VethPair&& o) noexcept
      : a_ns_(o.a_ns_), a_name_(std::exchange(o.a_name_, {})), b_name_(o.b_name_), a_ip_(o.a_ip_), b_ip_(o.b_ip_) {}
  VethPair& operator=(VethPair&&) = delete;
  VethPair(const VethPair&) = delete;
  ~VethPair();

  [[nodiscard]] const std::string& a_name() const { return a_name_; }
  [[nodiscard]] const std::string& b_name() const { return b_name_; }
  // Addresses without prefix length.
  [[nodiscard]] const std::string& a_ip() const { return a_ip_; }
  [[nodiscard]] const std::string& b_ip() const { return b_ip_; }

 private:
  VethPair() = default;
  std::string a_ns_;
  std::string a_name_;
  std::string b_name_;
  std::string a_ip_;
  std::string b_ip_;
};

// Two fresh namespaces joined by a veth pair: the usual two-host topology.
// Members are destroyed veth first, then the namespaces.
class NetnsPair {
 public:
  static Result<NetnsPair> create(const VethPair::Options& options);
  static Result<NetnsPair> create() { return create(VethPair::Options{}); }
  NetnsPair(NetnsPair&&) noexcept = default;
  NetnsPair& operator=(NetnsPair&&) = delete;

  [[nodiscard]] const TestNetns& a() const { return a_; }
  [[nodiscard]] const TestNetns& b() const { return b_; }
  [[nodiscard]] const VethPair& veth() const { return veth_; }

 private:
  NetnsPair(TestNetns a, TestNetns b, VethPair veth) : a_(std::move(a)), b_(std::move(b)), veth_(std::move(veth)) {}
  TestNetns a_;
  TestNetns b_;
  VethPair veth_;
};

}  // namespace seismo::testing
