#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/netns.h"

namespace seismo::chaos {

// A network namespace that counts as the node's own.
struct NetnsIdentity {
  uint64_t inode = 0;
  uint64_t device = 0;
  std::string what;  // "the node's network namespace (that of PID 1)"
};

// The network namespaces a fault must not touch unless the spec says
// `host_network: true`. seismod in the DaemonSet runs in a pod network
// (hostNetwork: false), so its own netns is not the node's: the node's is
// that of PID 1 (the host's init, with hostPID), and on kernels that give
// the initial netns a fixed inode (PROC_NET_INIT_INO), that one too. seismod's
// own netns stays refused as well (a fault there cuts seismod off).
class HostNetns {
 public:
  // The kernel's fixed inode of the initial network namespace (6.18 has it;
  // dynamically numbered namespaces start at 0xF0000000, so it can match no
  // other).
  static constexpr uint64_t kInitNetInode = 0xEFFFFFF9U;

  // `node_netns_path`: how the node's netns is reached ("/proc/1/ns/net");
  // unreadable (no hostPID, ptrace rules) means it is left out, with a log line.
  static HostNetns detect(const net::Netns& own, const std::string& node_netns_path);
  explicit HostNetns(std::vector<NetnsIdentity> identities) : identities_(std::move(identities)) {}
  HostNetns() = default;

  // Which host namespace this is, or nullopt when it is none of them.
  [[nodiscard]] std::optional<std::string> matches(uint64_t inode, uint64_t device) const;
  [[nodiscard]] const std::vector<NetnsIdentity>& identities() const { return identities_; }

 private:
  std::vector<NetnsIdentity> identities_;
};

}  // namespace seismo::chaos
