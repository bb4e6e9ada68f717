#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace seismo::testing {

// A network namespace joined to the host by a veth pair, with a /30 of
// its own: the host side is host_ip(), the namespace side (named eth0)
// peer_ip(). Unique names; deleting the namespace on destruction removes
// both veth ends, even after a failed test.
class NetnsPeer {
 public:
  static Result<NetnsPeer> create(const std::string& tag);
  NetnsPeer(NetnsPeer&& o) noexcept;
  NetnsPeer& operator=(NetnsPeer&&) = delete;
  NetnsPeer(const NetnsPeer&) = delete;
  ~NetnsPeer();

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::string netns_path() const { return "/run/netns/" + name_; }
  [[nodiscard]] const std::string& host_ip() const { return host_ip_; }
  [[nodiscard]] const std::string& peer_ip() const { return peer_ip_; }
  [[nodiscard]] const std::string& host_ifname() const { return host_if_; }
  static constexpr const char* kPeerIfname = "eth0";

  // Runs fn on a thread that joined the namespace (netlink and sockets it
  // opens live there); returns fn's result.
  Result<void> run_inside(const std::function<Result<void>()>& fn) const;

 private:
  NetnsPeer() = default;
  void destroy();

  std::string name_, host_if_, host_ip_, peer_ip_;
};

}  // namespace seismo::testing
