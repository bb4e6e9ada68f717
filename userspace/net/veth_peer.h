#pragma once

#include "common/result.h"
#include "net/link_info.h"
#include "net/netlink_socket.h"
#include "net/netns.h"

namespace seismo::net {

// The other end of a veth pair.
struct VethPeer {
  Netns netns;
  LinkInfo link;
};

// Finds the peer of veth `link` (in `netns`, reached through `sock`). The
// kernel names the peer's netns only by an id local to `netns`
// (IFLA_LINK_NETNSID), so candidates are matched by asking `netns` for
// their id: this thread's netns first, then /run/netns/*, then every
// process's. EOPNOTSUPP for a device that is not a veth; ENOENT when no
// candidate matches.
Result<VethPeer> find_veth_peer(const Netns& netns, NetlinkSocket& sock, const LinkInfo& link);

}  // namespace seismo::net
