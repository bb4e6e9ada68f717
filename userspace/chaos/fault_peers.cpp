#include "chaos/fault_peers.h"

#include <cstring>
#include <set>
#include <tuple>

namespace seismo::chaos {
namespace {

using PeerId = std::tuple<uint8_t, uint8_t, std::array<uint8_t, 16>>;

PeerId id_of(const Cidr& c) { return {c.family(), c.prefix_len(), c.address()}; }

std::set<PeerId> ids_of(const std::vector<Cidr>& cidrs) {
  std::set<PeerId> out;
  for (const auto& c : cidrs) out.insert(id_of(c));
  return out;
}

// Each prefix of `from` not in `other`, once.
std::vector<Cidr> missing_from(const std::vector<Cidr>& from, const std::set<PeerId>& other) {
  std::vector<Cidr> out;
  std::set<PeerId> seen;
  for (const auto& c : from) {
    const PeerId id = id_of(c);
    if (other.count(id) == 0 && seen.insert(id).second) out.push_back(c);
  }
  return out;
}

}  // namespace

fault_peer_key peer_key(uint32_t slot, const Cidr& cidr) {
  fault_peer_key key{};
  key.slot = slot;
  if (cidr.family() == 4) {
    key.addr[10] = 0xff;
    key.addr[11] = 0xff;
    std::memcpy(&key.addr[12], cidr.address().data(), 4);
    key.prefixlen = 32 + 96 + cidr.prefix_len();
  } else {
    std::memcpy(key.addr, cidr.address().data(), 16);
    key.prefixlen = 32 + cidr.prefix_len();
  }
  return key;
}

PeerChange diff_peers(const std::vector<Cidr>& before, const std::vector<Cidr>& after) {
  return {missing_from(after, ids_of(before)), missing_from(before, ids_of(after))};
}

bool same_peers(const std::vector<Cidr>& a, const std::vector<Cidr>& b) { return ids_of(a) == ids_of(b); }

}  // namespace seismo::chaos
