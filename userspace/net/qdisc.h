#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/netlink_socket.h"

namespace seismo::net {

// A qdisc as the kernel dumps it. `options` is TCA_OPTIONS' payload,
// verbatim, so a qdisc can be recreated as it was.
struct Qdisc {
  std::string kind;
  uint32_t handle = 0;  // 0: the kernel's default qdisc (noqueue, pfifo_fast, mq…)
  uint32_t parent = 0;
  std::vector<uint8_t> options;

  [[nodiscard]] bool is_root() const;
  [[nodiscard]] bool is_clsact() const { return kind == "clsact"; }
  [[nodiscard]] bool is_default() const { return handle == 0; }
  [[nodiscard]] std::string describe() const;  // "tbf 8005:", "noqueue 0:"
};

Result<std::vector<Qdisc>> list_qdiscs(NetlinkSocket& sock, int ifindex);
Result<std::optional<Qdisc>> root_qdisc(NetlinkSocket& sock, int ifindex);
// Number of classes on the device (a classful root with classes would lose
// them if replaced).
Result<size_t> count_classes(NetlinkSocket& sock, int ifindex);
// What replacing `root` and later recreating it from its kind and options
// would lose, described ("2 classes", "child qdisc netem 20: under 1:1"),
// or "" when nothing: classes a user creates one by one (htb, hfsc, drr,
// qfq, cbq) and child qdiscs grafted under the root's classes. Built-in
// classes that the options recreate (tbf's one, prio's bands) are not lost.
Result<std::string> lost_on_replace(NetlinkSocket& sock, int ifindex, const Qdisc& root);

// Creates the clsact qdisc. Returns false when one already existed (it then
// belongs to someone else and must outlive us).
Result<bool> add_clsact(NetlinkSocket& sock, int ifindex);
Result<void> delete_clsact(NetlinkSocket& sock, int ifindex);

// Makes `qdisc` (kind, handle, options) the root qdisc, replacing the
// current one.
Result<void> replace_root_qdisc(NetlinkSocket& sock, int ifindex, const Qdisc& qdisc);
// Deletes the root qdisc: the kernel puts its default back.
Result<void> delete_root_qdisc(NetlinkSocket& sock, int ifindex);

}  // namespace seismo::net
