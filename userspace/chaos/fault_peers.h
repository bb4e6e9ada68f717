#pragma once

#include <cstdint>
#include <vector>

#include "chaos/cidr.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

// A fault's peer prefixes as the fault_peers LPM trie holds them (bpf/lib/
// fault_packet.bpf.h looks the packet's peer up at full length).

// The key of one prefix of the fault in `slot`: the slot's 32 bits, then
// the address, IPv4 v4-mapped (::ffff:a.b.c.d/96+len).
fault_peer_key peer_key(uint32_t slot, const Cidr& cidr);

// How a running fault's peer set changes in place: prefixes to add, then
// prefixes to remove (added first, so a peer in both sets never misses).
struct PeerChange {
  std::vector<Cidr> added;
  std::vector<Cidr> removed;
  [[nodiscard]] bool empty() const { return added.empty() && removed.empty(); }
};

// The change from `before` to `after` (duplicates count once; order does
// not matter).
PeerChange diff_peers(const std::vector<Cidr>& before, const std::vector<Cidr>& after);

// Whether two peer lists name the same set.
bool same_peers(const std::vector<Cidr>& a, const std::vector<Cidr>& b);

}  // namespace seismo::chaos
