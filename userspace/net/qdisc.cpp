#include "net/qdisc.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include <linux/pkt_sched.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <fmt/format.h>

#include "net/netlink_attrs.h"

namespace seismo::net {

namespace {

NetlinkMessage qdisc_message(uint16_t type, uint16_t flags, int ifindex, uint32_t parent, uint32_t handle) {
  NetlinkMessage msg(type, flags);
  auto& tc = msg.header<tcmsg>();
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_parent = parent;
  tc.tcm_handle = handle;
  return msg;
}

}  // namespace

bool Qdisc::is_root() const { return parent == TC_H_ROOT; }

std::string Qdisc::describe() const { return fmt::format("{} {:x}:", kind, handle >> 16); }

Result<std::vector<Qdisc>> list_qdiscs(NetlinkSocket& sock, int ifindex) {
  auto msg = qdisc_message(RTM_GETQDISC, 0, ifindex, 0, 0);
  std::vector<Qdisc> out;
  auto r = sock.dump(
      msg,
      [&](const nlmsghdr& nh) {
        if (nh.nlmsg_type != RTM_NEWQDISC) return;
        const auto* tc = &message_header<tcmsg>(nh);
        if (tc->tcm_ifindex != ifindex) return;
        auto attrs = NetlinkAttrs::of<tcmsg>(nh);
        Qdisc q;
        q.kind = attrs.string(TCA_KIND).value_or("");
        q.handle = tc->tcm_handle;
        q.parent = tc->tcm_parent;
        auto opts = attrs.bytes(TCA_OPTIONS);
        q.options.assign(opts.begin(), opts.end());
        out.push_back(std::move(q));
      },
      fmt::format("list qdiscs of ifindex {}", ifindex));
  if (!r) return fail(std::move(r).error());
  return out;
}

Result<std::optional<Qdisc>> root_qdisc(NetlinkSocket& sock, int ifindex) {
  auto all = list_qdiscs(sock, ifindex);
  if (!all) return fail(std::move(all).error());
  for (auto& q : *all)
    if (q.is_root()) return std::optional<Qdisc>(std::move(q));
  return std::optional<Qdisc>();
}

Result<size_t> count_classes(NetlinkSocket& sock, int ifindex) {
  auto msg = qdisc_message(RTM_GETTCLASS, 0, ifindex, 0, 0);
  size_t n = 0;
  auto r = sock.dump(
      msg,
      [&](const nlmsghdr& nh) {
        const auto* tc = &message_header<tcmsg>(nh);
        if (nh.nlmsg_type == RTM_NEWTCLASS && tc->tcm_ifindex == ifindex) ++n;
      },
      fmt::format("list classes of ifindex {}", ifindex));
  if (!r) return fail(std::move(r).error());
  return n;
}

Result<std::string> lost_on_replace(NetlinkSocket& sock, int ifindex, const Qdisc& root) {
  static constexpr std::string_view kUserClasses[] = {"htb", "hfsc", "drr", "qfq", "cbq"};
  if (std::find(std::begin(kUserClasses), std::end(kUserClasses), root.kind) != std::end(kUserClasses)) {
    auto classes = count_classes(sock, ifindex);
    if (!classes) return fail(std::move(classes).error());
    if (*classes > 0) return fmt::format("{} classes", *classes);
  }
  // Default children (tbf's bfifo…) are hidden from dumps; a visible qdisc
  // under the root's major number was grafted by someone.
  auto qdiscs = list_qdiscs(sock, ifindex);
  if (!qdiscs) return fail(std::move(qdiscs).error());
  for (const auto& q : *qdiscs)
    if (!q.is_root() && !q.is_clsact() && TC_H_MAJ(q.parent) == TC_H_MAJ(root.handle) && q.handle != root.handle)
      return fmt::format("child qdisc {} under {:x}:{:x}", q.describe(), TC_H_MAJ(q.parent) >> 16, TC_H_MIN(q.parent));
  return std::string();
}

Result<bool> add_clsact(NetlinkSocket& sock, int ifindex) {
  auto msg = qdisc_message(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_CLSACT,
                           TC_H_MAKE(TC_H_CLSACT, 0));
  msg.put_string(TCA_KIND, "clsact");
  auto r = sock.request(msg, fmt::format("create clsact qdisc on ifindex {}", ifindex));
  if (r) return true;
  if (r.error().code == EEXIST) return false;
  return fail(std::move(r).error());
}

Result<void> delete_clsact(NetlinkSocket& sock, int ifindex) {
  auto msg = qdisc_message(RTM_DELQDISC, 0, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0));
  msg.put_string(TCA_KIND, "clsact");
  return sock.request(msg, fmt::format("delete clsact qdisc on ifindex {}", ifindex));
}

Result<void> replace_root_qdisc(NetlinkSocket& sock, int ifindex, const Qdisc& qdisc) {
  auto msg = qdisc_message(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, TC_H_ROOT, qdisc.handle);
  msg.put_string(TCA_KIND, qdisc.kind);
  if (!qdisc.options.empty()) msg.put(TCA_OPTIONS, qdisc.options.data(), qdisc.options.size());
  return sock.request(msg, fmt::format("install {} as root qdisc of ifindex {}", qdisc.kind, ifindex));
}

Result<void> delete_root_qdisc(NetlinkSocket& sock, int ifindex) {
  auto msg = qdisc_message(RTM_DELQDISC, 0, ifindex, TC_H_ROOT, 0);
  return sock.request(msg, fmt::format("delete root qdisc of ifindex {}", ifindex));
}

}  // namespace seismo::net
