#include "net/tc_filter.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "net/netlink_attrs.h"

namespace seismo::net {

namespace {

uint32_t hook_parent(TcHook hook) {
  return TC_H_MAKE(TC_H_CLSACT, hook == TcHook::ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}

NetlinkMessage filter_message(uint16_t type, uint16_t flags, int ifindex, TcHook hook, uint16_t priority,
                              uint32_t handle) {
  NetlinkMessage msg(type, flags);
  auto& tc = msg.header<tcmsg>();
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_parent = hook_parent(hook);
  tc.tcm_handle = handle;
  tc.tcm_info = TC_H_MAKE(static_cast<uint32_t>(priority) << 16, htons(ETH_P_ALL));
  return msg;
}

}  // namespace

const char* tc_hook_name(TcHook hook) { return hook == TcHook::ingress ? "ingress" : "egress"; }

Result<void> attach_bpf_filter(NetlinkSocket& sock, int ifindex, TcHook hook, uint16_t priority, uint32_t handle,
                               int prog_fd, const std::string& name) {
  auto msg = filter_message(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, hook, priority, handle);
  msg.put_string(TCA_KIND, "bpf");
  size_t opts = msg.begin_nested(TCA_OPTIONS);
  msg.put_u32(TCA_BPF_FD, static_cast<uint32_t>(prog_fd));
  msg.put_string(TCA_BPF_NAME, name);
  msg.put_u32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
  msg.end_nested(opts);
  return sock.request(msg, fmt::format("attach tc {} filter {} on ifindex {}", tc_hook_name(hook), name, ifindex));
}

Result<void> detach_filter(NetlinkSocket& sock, int ifindex, TcHook hook, uint16_t priority, uint32_t handle) {
  auto msg = filter_message(RTM_DELTFILTER, 0, ifindex, hook, priority, handle);
  msg.put_string(TCA_KIND, "bpf");
  return sock.request(msg, fmt::format("detach tc {} filter pref {} handle {:#x} on ifindex {}", tc_hook_name(hook),
                                       priority, handle, ifindex));
}

Result<std::vector<TcFilter>> list_filters(NetlinkSocket& sock, int ifindex, TcHook hook) {
  NetlinkMessage msg(RTM_GETTFILTER, 0);
  auto& tc = msg.header<tcmsg>();
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_parent = hook_parent(hook);
  std::vector<TcFilter> out;
  auto r = sock.dump(
      msg,
      [&](const nlmsghdr& nh) {
        if (nh.nlmsg_type != RTM_NEWTFILTER) return;
        const auto* t = &message_header<tcmsg>(nh);
        auto attrs = NetlinkAttrs::of<tcmsg>(nh);
        TcFilter f;
        f.priority = static_cast<uint16_t>(TC_H_MAJ(t->tcm_info) >> 16);
        f.handle = t->tcm_handle;
        f.kind = attrs.string(TCA_KIND).value_or("");
        // A dump lists each (priority, kind) head with handle 0 too; skip it.
        if (f.handle == 0) return;
        if (f.kind == "bpf") {
          auto opts = attrs.nested(TCA_OPTIONS);
          f.bpf_name = opts.string(TCA_BPF_NAME).value_or("");
          f.prog_id = opts.u32(TCA_BPF_ID).value_or(0);
        }
        out.push_back(std::move(f));
      },
      fmt::format("list tc {} filters of ifindex {}", tc_hook_name(hook), ifindex));
  if (!r) {
    // No clsact qdisc: no filters (EINVAL from the kernel's "parent not found").
    if (r.error().code == EINVAL || r.error().code == ENOENT) return out;
    return fail(std::move(r).error());
  }
  return out;
}

}  // namespace seismo::net
