#include "chaos/world_reader.h"

#include <fmt/format.h>

#include "net/netlink_socket.h"
#include "net/veth_peer.h"

namespace seismo::chaos {

namespace {

// The device a fault on this endpoint uses when no interface is named.
Result<net::LinkInfo> pick_link(net::NetlinkSocket& sock, const Endpoint& ep) {
  if (!ep.interface.empty()) {
    auto link = net::find_link(sock, ep.interface);
    if (!link) return fail(std::move(link).error().wrap(fmt::format("target.interface ({})", ep.description)));
    return link;
  }
  auto links = net::list_links(sock);
  if (!links) return fail(std::move(links).error().wrap(ep.description));
  std::vector<net::LinkInfo> candidates;
  for (auto& l : *links)
    if (l.name != "lo") candidates.push_back(std::move(l));
  if (candidates.size() == 1) return std::move(candidates.front());
  std::string names;
  for (const auto& l : candidates) names += (names.empty() ? "" : ", ") + l.name;
  return fail_errno(EINVAL, fmt::format("target.interface: {} has {} devices besides lo ({}); name one",
                                        ep.description, candidates.size(), names.empty() ? "none" : names));
}

DeviceFacts facts_of(const net::Netns& ns, const net::LinkInfo& link) {
  return {{ns.inode(), ns.device(), link.ifindex}, link.name, link.has_mac_header()};
}

// One endpoint: its device, its peer, and the namespaces to reach them.
void read_one(Endpoint& ep, bool with_peer, EndpointFacts& facts, EndpointHandles& handles) {
  auto sock = net::NetlinkSocket::open_in(ep.netns);
  if (!sock) {
    facts.device = fail(std::move(sock).error().wrap(ep.description));
    return;
  }
  auto link = pick_link(*sock, ep);
  if (!link) {
    facts.device = fail(std::move(link).error());
    return;
  }
  auto ns = ep.netns.duplicate();
  if (!ns) {
    facts.device = fail(std::move(ns).error());
    return;
  }
  facts.device = facts_of(*ns, *link);
  handles.netns.emplace(std::move(*ns));
  handles.link = *link;
  if (!with_peer) return;
  auto peer = net::find_veth_peer(ep.netns, *sock, *link);
  if (!peer) {
    facts.peer = fail(std::move(peer).error());
    return;
  }
  facts.peer = facts_of(peer->netns, peer->link);
  handles.peer_link = peer->link;
  handles.peer_netns.emplace(std::move(peer->netns));
}

}  // namespace

ReadEndpoints WorldReader::read(std::vector<Endpoint>& endpoints, const std::vector<size_t>& chosen, bool with_peer) {
  ReadEndpoints out;
  for (size_t i : chosen) {
    Endpoint& ep = endpoints[i];
    EndpointFacts facts;
    facts.netns_inode = ep.netns.inode();
    facts.netns_device = ep.netns.device();
    facts.description = ep.description;
    facts.owner = ep.owner;
    facts.owner_name = ep.owner_name;
    facts.cgroup = ep.cgroup;
    EndpointHandles handles;
    read_one(ep, with_peer, facts, handles);
    out.facts.push_back(std::move(facts));
    out.handles.push_back(std::move(handles));
  }
  return out;
}

}  // namespace seismo::chaos
