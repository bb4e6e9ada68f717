#include "net/netlink_socket.h"

#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "net/netlink_attrs.h"
#include "net/netns_scope.h"

namespace seismo::net {

namespace {

// The kernel's extended ack text, when it sent one.
std::string extack_message(const nlmsghdr& nh) {
  if (!(nh.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  const auto* err = &message_header<nlmsgerr>(nh);
  size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
  // Without NLM_F_CAPPED the original request follows the error.
  if (!(nh.nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - NLMSG_HDRLEN;
  if (off >= nh.nlmsg_len) return {};
  NetlinkAttrs attrs(reinterpret_cast<const uint8_t*>(&nh) + off, nh.nlmsg_len - off);
  auto msg = attrs.string(NLMSGERR_ATTR_MSG);
  return msg ? *msg : std::string();
}

Error netlink_error(const nlmsghdr& nh, int code, std::string_view what) {
  std::string text(what);
  if (auto m = extack_message(nh); !m.empty()) {
    while (!m.empty() && (m.back() == '.' || m.back() == ' ')) m.pop_back();
    text += fmt::format(" ({})", m);
  }
  return errno_error(code, std::move(text));
}

}  // namespace

Result<NetlinkSocket> NetlinkSocket::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return fail_errno(errno, "open rtnetlink socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  int rcvbuf = 1 << 20;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0)
    return fail_errno(errno, "bind rtnetlink socket");
  return NetlinkSocket(std::move(fd));
}

Result<NetlinkSocket> NetlinkSocket::open_in(const Netns& ns) {
  auto scope = NetnsScope::enter(ns);
  if (!scope) return fail(std::move(scope).error());
  return open();
}

Result<void> NetlinkSocket::send(NetlinkMessage& msg, std::string_view what) {
  msg.data()->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n = ::sendto(fd_.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  if (n < 0) return fail_errno(errno, std::string(what));
  return {};
}

Result<void> NetlinkSocket::receive(const std::function<void(const nlmsghdr&)>& on_message, std::string_view what) {
  std::vector<uint8_t> buf(65536);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(errno, std::string(what));
    auto len = static_cast<unsigned>(n);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_seq != seq_) continue;
      if (nh->nlmsg_type == NLMSG_DONE) return {};
      if (nh->nlmsg_type == NLMSG_ERROR) {
        const auto* err = &message_header<nlmsgerr>(*nh);
        if (err->error == 0) return {};
        return fail(netlink_error(*nh, -err->error, what));
      }
      if (on_message) on_message(*nh);
    }
  }
}

Result<void> NetlinkSocket::request(NetlinkMessage& msg, std::string_view what,
                                    const std::function<void(const nlmsghdr&)>& on_reply) {
  msg.data()->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (auto r = send(msg, what); !r) return r;
  return receive(on_reply, what);
}

Result<void> NetlinkSocket::dump(NetlinkMessage& msg, const std::function<void(const nlmsghdr&)>& on_message,
                                 std::string_view what) {
  msg.data()->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
  if (auto r = send(msg, what); !r) return r;
  return receive(on_message, what);
}

}  // namespace seismo::net
