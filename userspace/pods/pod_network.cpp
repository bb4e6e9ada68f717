#include "pods/pod_network.h"

#include <cerrno>

#include <fmt/format.h>

#include "net/link_info.h"
#include "net/netlink_socket.h"
#include "net/veth_peer.h"

namespace seismo::pods {
namespace {
constexpr const char* kHostNetworkPod = "the pod uses the host network (hostNetwork: true): no pod netns";
}  // namespace

Result<PodNetwork> resolve_pod_network(const std::string& cgroup_root, const std::vector<PodCgroupDir>& dirs,
                                       const net::Netns& own, bool declared_host_network,
                                       const std::string& interface) {
  if (declared_host_network) return fail_errno(EPERM, kHostNetworkPod);
  if (dirs.empty()) return fail_errno(ENOENT, "no cgroup on this node (not started yet, or already gone)");
  const auto pids = pod_processes(cgroup_root, dirs);
  bool host_network = false;
  for (pid_t pid : pids) {
    auto ns = net::Netns::of_pid(pid);
    if (!ns) continue;  // exited meanwhile
    if (ns->same_as(own)) {
      host_network = true;
      continue;
    }
    auto sock = net::NetlinkSocket::open_in(*ns);
    if (!sock) return fail(std::move(sock).error().wrap(fmt::format("netns of pid {}", pid)));
    auto link = net::find_link(*sock, interface);
    if (!link) return fail(std::move(link).error().wrap(fmt::format("interface {} in the netns of pid {}", interface, pid)));
    PodNetwork out{std::move(*ns), link->ifindex, link->name, 0, {}};
    auto peer = net::find_veth_peer(out.netns, *sock, *link);
    if (!peer)
      return fail(std::move(peer).error().wrap(fmt::format("host side of {} (a veth-based CNI is needed)", interface)));
    out.host_ifindex = peer->link.ifindex;
    out.host_interface = peer->link.name;
    return out;
  }
  if (host_network) return fail_errno(EPERM, kHostNetworkPod);
  return fail_errno(ESRCH, fmt::format("no process in its cgroups ({} …) yet", dirs.front().path));
}

}  // namespace seismo::pods
