#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace seismo::net {

// Builds one rtnetlink request: the netlink header, a fixed family header
// (ifinfomsg, tcmsg, …) and attributes, nested ones included.
class NetlinkMessage {
 public:
  NetlinkMessage(uint16_t type, uint16_t flags);

  // Appends the family header; call once, before any attribute.
  template <class Header>
  Header& header() {
    const size_t off = buf_.size();
    grow(NLMSG_ALIGN(sizeof(Header)));
    return *reinterpret_cast<Header*>(buf_.data() + off);
  }

  void put(uint16_t type, const void* data, size_t len);
  void put_u8(uint16_t type, uint8_t v) { put(type, &v, sizeof(v)); }
  void put_u32(uint16_t type, uint32_t v) { put(type, &v, sizeof(v)); }
  void put_string(uint16_t type, std::string_view s);  // NUL-terminated
  // Opens a nested attribute; returns its offset for end_nested.
  size_t begin_nested(uint16_t type);
  void end_nested(size_t offset);

  [[nodiscard]] nlmsghdr* data() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  [[nodiscard]] size_t size() const { return buf_.size(); }

 private:
  void grow(size_t aligned_len);
  std::vector<uint8_t> buf_;
};

}  // namespace seismo::net
