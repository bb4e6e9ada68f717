#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace seismo::net {

// The attributes of one netlink message (or of one nested attribute),
// indexed by type. Bounds-checked: a truncated attribute ends the parse.
class NetlinkAttrs {
 public:
  NetlinkAttrs(const void* data, size_t len);
  // The attributes after a message's family header (ifinfomsg, tcmsg, …).
  template <class Header>
  static NetlinkAttrs of(const nlmsghdr& nh) {
    const size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(Header));
    if (nh.nlmsg_len <= off) return NetlinkAttrs(nullptr, 0);
    return NetlinkAttrs(reinterpret_cast<const uint8_t*>(&nh) + off, nh.nlmsg_len - off);
  }

  [[nodiscard]] bool has(uint16_t type) const { return find(type) != nullptr; }
  [[nodiscard]] std::span<const uint8_t> bytes(uint16_t type) const;
  [[nodiscard]] std::optional<uint32_t> u32(uint16_t type) const;
  [[nodiscard]] std::optional<int32_t> s32(uint16_t type) const;
  [[nodiscard]] std::optional<std::string> string(uint16_t type) const;
  [[nodiscard]] NetlinkAttrs nested(uint16_t type) const;

 private:
  struct Attr {
    uint16_t type;
    std::span<const uint8_t> payload;
  };
  [[nodiscard]] const Attr* find(uint16_t type) const;
  std::vector<Attr> attrs_;
};

// A message's family header (the payload right after nlmsghdr).
template <class Header>
const Header& message_header(const nlmsghdr& nh) {
  return *reinterpret_cast<const Header*>(reinterpret_cast<const uint8_t*>(&nh) + NLMSG_HDRLEN);
}

}  // namespace seismo::net
