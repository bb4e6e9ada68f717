#include "net/netlink_message.h"

namespace seismo::net {

NetlinkMessage::NetlinkMessage(uint16_t type, uint16_t flags) {
  buf_.reserve(512);
  grow(NLMSG_HDRLEN);
  data()->nlmsg_type = type;
  data()->nlmsg_flags = flags;
}

void NetlinkMessage::grow(size_t aligned_len) {
  buf_.resize(buf_.size() + aligned_len, 0);
  data()->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

void NetlinkMessage::put(uint16_t type, const void* payload, size_t len) {
  const size_t off = buf_.size();
  grow(NLA_ALIGN(NLA_HDRLEN + len));
  auto* nla = reinterpret_cast<nlattr*>(buf_.data() + off);
  nla->nla_type = type;
  nla->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  if (len) std::memcpy(buf_.data() + off + NLA_HDRLEN, payload, len);
}

void NetlinkMessage::put_string(uint16_t type, std::string_view s) {
  std::vector<char> z(s.begin(), s.end());
  z.push_back('\0');
  put(type, z.data(), z.size());
}

size_t NetlinkMessage::begin_nested(uint16_t type) {
  const size_t off = buf_.size();
  put(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
  return off;
}

void NetlinkMessage::end_nested(size_t offset) {
  auto* nla = reinterpret_cast<nlattr*>(buf_.data() + offset);
  nla->nla_len = static_cast<uint16_t>(buf_.size() - offset);
}

}  // namespace seismo::net
