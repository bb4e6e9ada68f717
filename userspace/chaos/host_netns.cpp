#include "chaos/host_netns.h"

#include <fmt/format.h>

#include "common/log.h"

namespace seismo::chaos {

HostNetns HostNetns::detect(const net::Netns& own, const std::string& node_netns_path) {
  std::vector<NetnsIdentity> ids;
  if (!node_netns_path.empty()) {
    auto node = net::Netns::open(node_netns_path);
    if (node)
      ids.push_back({node->inode(), node->device(), fmt::format("the node's network namespace ({})", node_netns_path)});
    else
      log::warn("host_network guard: {}; the node's namespace is recognised only as the initial one or seismod's own",
                node.error().message());
  }
  // Every namespace inode lives on the one nsfs device: own's tells which.
  ids.push_back({kInitNetInode, own.device(), "the kernel's initial network namespace (the node's)"});
  ids.push_back({own.inode(), own.device(), "seismod's own network namespace"});
  return HostNetns(std::move(ids));
}

std::optional<std::string> HostNetns::matches(uint64_t inode, uint64_t device) const {
  for (const auto& id : identities_)
    if (id.inode == inode && id.device == device) return id.what;
  return std::nullopt;
}

}  // namespace seismo::chaos
