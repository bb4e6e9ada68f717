#include "net/netlink_attrs.h"

#include <linux/netlink.h>

#include <cstring>

namespace seismo::net {

NetlinkAttrs::NetlinkAttrs(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (len >= NLA_HDRLEN) {
    nlattr nla{};
    std::memcpy(&nla, p, sizeof(nla));
    if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len) break;
    attrs_.push_back({static_cast<uint16_t>(nla.nla_type & NLA_TYPE_MASK),
                      std::span<const uint8_t>(p + NLA_HDRLEN, nla.nla_len - NLA_HDRLEN)});
    const size_t step = NLA_ALIGN(nla.nla_len);
    if (step >= len) break;
    p += step;
    len -= step;
  }
}

const NetlinkAttrs::Attr* NetlinkAttrs::find(uint16_t type) const {
  for (const auto& a : attrs_)
    if (a.type == type) return &a;
  return nullptr;
}

std::span<const uint8_t> NetlinkAttrs::bytes(uint16_t type) const {
  const Attr* a = find(type);
  return a ? a->payload : std::span<const uint8_t>{};
}

std::optional<uint32_t> NetlinkAttrs::u32(uint16_t type) const {
  const Attr* a = find(type);
  if (!a || a->payload.size() < sizeof(uint32_t)) return std::nullopt;
  uint32_t v = 0;
  std::memcpy(&v, a->payload.data(), sizeof(v));
  return v;
}

std::optional<int32_t> NetlinkAttrs::s32(uint16_t type) const {
  auto v = u32(type);
  if (!v) return std::nullopt;
  return static_cast<int32_t>(*v);
}

std::optional<std::string> NetlinkAttrs::string(uint16_t type) const {
  const Attr* a = find(type);
  if (!a) return std::nullopt;
  const auto* s = reinterpret_cast<const char*>(a->payload.data());
  return std::string(s, strnlen(s, a->payload.size()));
}

NetlinkAttrs NetlinkAttrs::nested(uint16_t type) const {
  const Attr* a = find(type);
  if (!a) return NetlinkAttrs(nullptr, 0);
  return NetlinkAttrs(a->payload.data(), a->payload.size());
}

}  // namespace seismo::net
