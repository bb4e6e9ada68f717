#include "net/veth_peer.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

namespace seismo::net {

namespace {

constexpr size_t kMaxCandidates = 4096;

Result<VethPeer> peer_in(const Netns& candidate, const LinkInfo& link) {
  auto sock = NetlinkSocket::open_in(candidate);
  if (!sock) return fail(std::move(sock).error());
  auto peer = find_link(*sock, link.link_ifindex);
  if (!peer) return fail(std::move(peer).error());
  if (peer->kind != "veth" || peer->link_ifindex != link.ifindex)
    return fail_errno(ENOENT, fmt::format("ifindex {} is not the peer of {}", link.link_ifindex, link.name));
  auto ns = candidate.duplicate();
  if (!ns) return fail(std::move(ns).error());
  return VethPeer{std::move(*ns), std::move(*peer)};
}

}  // namespace

Result<VethPeer> find_veth_peer(const Netns& netns, NetlinkSocket& sock, const LinkInfo& link) {
  if (link.kind != "veth" || link.link_ifindex == 0)
    return fail_errno(EOPNOTSUPP, fmt::format("{} is not a veth device (kind '{}'): its peer cannot be found",
                                              link.name, link.kind));
  if (!link.link_netnsid) return peer_in(netns, link);

  std::vector<std::string> paths = {"/proc/thread-self/ns/net"};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) paths.push_back(e.path().string());
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) paths.push_back(e.path().string() + "/ns/net");
  }
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  for (const auto& path : paths) {
    auto candidate = Netns::open(path);
    if (!candidate || candidate->same_as(netns)) continue;
    std::pair<uint64_t, uint64_t> id{candidate->inode(), candidate->device()};
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    if (seen.size() >= kMaxCandidates) break;
    seen.push_back(id);
    auto nsid = netnsid_of(sock, *candidate);
    if (!nsid || !*nsid || **nsid != *link.link_netnsid) continue;
    return peer_in(*candidate, link);
  }
  return fail_errno(ENOENT, fmt::format("the peer of veth {} (netns id {}) is in no network namespace seismod can "
                                        "open",
                                        link.name, *link.link_netnsid));
}

}  // namespace seismo::net
