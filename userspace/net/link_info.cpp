#include "net/link_info.h"

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include <fmt/format.h>

#include "net/netlink_attrs.h"

namespace seismo::net {

namespace {

LinkInfo parse_link(const nlmsghdr& nh) {
  const auto* ifi = &message_header<ifinfomsg>(nh);
  auto attrs = NetlinkAttrs::of<ifinfomsg>(nh);
  LinkInfo link;
  link.ifindex = ifi->ifi_index;
  link.type = ifi->ifi_type;
  link.up = (ifi->ifi_flags & IFF_UP) != 0;
  link.name = attrs.string(IFLA_IFNAME).value_or("");
  link.kind = attrs.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND).value_or("");
  link.link_ifindex = static_cast<int>(attrs.u32(IFLA_LINK).value_or(0));
  link.link_netnsid = attrs.s32(IFLA_LINK_NETNSID);
  return link;
}

}  // namespace

// tc sees an Ethernet header on Ethernet-like devices (veth, physical NICs)
// and on loopback; tunnels (ipip, wireguard, …) start at the IP header.
bool LinkInfo::has_mac_header() const { return type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK; }

Result<std::vector<LinkInfo>> list_links(NetlinkSocket& sock) {
  NetlinkMessage msg(RTM_GETLINK, 0);
  msg.header<ifinfomsg>().ifi_family = AF_UNSPEC;
  std::vector<LinkInfo> out;
  auto r = sock.dump(
      msg,
      [&](const nlmsghdr& nh) {
        if (nh.nlmsg_type == RTM_NEWLINK) out.push_back(parse_link(nh));
      },
      "list network devices");
  if (!r) return fail(std::move(r).error());
  return out;
}

Result<LinkInfo> find_link(NetlinkSocket& sock, const std::string& name) {
  auto links = list_links(sock);
  if (!links) return fail(std::move(links).error());
  for (auto& l : *links)
    if (l.name == name) return std::move(l);
  return fail_errno(ENODEV, fmt::format("network interface '{}' not found", name));
}

Result<LinkInfo> find_link(NetlinkSocket& sock, int ifindex) {
  auto links = list_links(sock);
  if (!links) return fail(std::move(links).error());
  for (auto& l : *links)
    if (l.ifindex == ifindex) return std::move(l);
  return fail_errno(ENODEV, fmt::format("network interface with ifindex {} not found", ifindex));
}

Result<std::optional<int32_t>> netnsid_of(NetlinkSocket& sock, const Netns& other) {
  NetlinkMessage msg(RTM_GETNSID, 0);
  msg.header<rtgenmsg>().rtgen_family = AF_UNSPEC;
  msg.put_u32(NETNSA_FD, static_cast<uint32_t>(other.fd()));
  std::optional<int32_t> id;
  auto r = sock.request(
      msg, "look up a netns id",
      [&](const nlmsghdr& nh) {
        if (nh.nlmsg_type != RTM_NEWNSID) return;
        auto attrs = NetlinkAttrs::of<rtgenmsg>(nh);
        auto v = attrs.s32(NETNSA_NSID);
        if (v && *v >= 0) id = *v;
      });
  if (!r) return fail(std::move(r).error());
  return id;
}

}  // namespace seismo::net
