#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"
#include "net/netlink_message.h"
#include "net/netns.h"

namespace seismo::net {

// A NETLINK_ROUTE socket. A socket belongs to the netns it was created in,
// so `open_in` enters the namespace only for socket(2): every later request
// acts there, from any thread. Requests are synchronous; errors carry the
// kernel's extended ack message ("Specified qdisc kind is unknown").
class NetlinkSocket {
 public:
  static Result<NetlinkSocket> open();
  static Result<NetlinkSocket> open_in(const Netns& ns);

  // Sends a request with NLM_F_ACK and waits for the ack; replies that come
  // before it (a GET's answer) go to on_reply.
  Result<void> request(NetlinkMessage& msg, std::string_view what,
                       const std::function<void(const nlmsghdr&)>& on_reply = {});
  // Sends a dump request and calls on_message for every reply message.
  Result<void> dump(NetlinkMessage& msg, const std::function<void(const nlmsghdr&)>& on_message,
                    std::string_view what);

 private:
  explicit NetlinkSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  Result<void> send(NetlinkMessage& msg, std::string_view what);
  // Reads replies to the last request until its ack (or NLMSG_DONE), passing
  // the others to on_message.
  Result<void> receive(const std::function<void(const nlmsghdr&)>& on_message, std::string_view what);
  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace seismo::net
