#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/netlink_socket.h"

namespace seismo::net {

// What the fault engine needs to know about a network device.
struct LinkInfo {
  int ifindex = 0;
  std::string name;
  uint16_t type = 0;                  // ARPHRD_*: ARPHRD_ETHER has a MAC header at tc
  std::string kind;                   // IFLA_INFO_KIND: "veth", "ipip", … ("" for physical)
  int link_ifindex = 0;               // IFLA_LINK: a veth's peer, in link_netnsid's netns
  std::optional<int32_t> link_netnsid;  // IFLA_LINK_NETNSID, as this netns numbers the peer's
  bool up = false;

  [[nodiscard]] bool has_mac_header() const;
};

// Every device of the socket's network namespace.
Result<std::vector<LinkInfo>> list_links(NetlinkSocket& sock);
Result<LinkInfo> find_link(NetlinkSocket& sock, const std::string& name);
Result<LinkInfo> find_link(NetlinkSocket& sock, int ifindex);
// The id the socket's netns gives `other` (RTM_GETNSID), or nullopt if none
// is assigned.
Result<std::optional<int32_t>> netnsid_of(NetlinkSocket& sock, const Netns& other);

}  // namespace seismo::net
