#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/netlink_socket.h"

namespace seismo::net {

enum class TcHook { ingress, egress };
const char* tc_hook_name(TcHook hook);

// A tc filter on a clsact hook, as dumped.
struct TcFilter {
  uint16_t priority = 0;
  uint32_t handle = 0;
  std::string kind;      // "bpf", "u32", …
  std::string bpf_name;  // TCA_BPF_NAME (our tag) for bpf filters
  uint32_t prog_id = 0;  // TCA_BPF_ID
};

// Adds a direct-action cls_bpf filter running prog_fd, named `name` (shown
// by `tc filter show`). Fails with EEXIST when (priority, handle) is taken.
Result<void> attach_bpf_filter(NetlinkSocket& sock, int ifindex, TcHook hook, uint16_t priority, uint32_t handle,
                               int prog_fd, const std::string& name);
Result<void> detach_filter(NetlinkSocket& sock, int ifindex, TcHook hook, uint16_t priority, uint32_t handle);
// Every filter on the hook (none when the device has no clsact qdisc).
Result<std::vector<TcFilter>> list_filters(NetlinkSocket& sock, int ifindex, TcHook hook);

}  // namespace seismo::net
