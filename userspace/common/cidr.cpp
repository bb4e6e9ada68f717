#include "common/cidr.h"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>

#include <fmt/format.h>

namespace seismo {

Result<Cidr> Cidr::parse(std::string_view text, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return fail_errno(EINVAL, fmt::format("{}: '{}' is not a CIDR ({}; e.g. 10.0.0.0/8 or fd00::/64)", field, text, why));
  };
  std::string addr_text(text);
  std::string_view len_text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = std::string(text.substr(0, slash));
    len_text = text.substr(slash + 1);
    if (len_text.empty()) return bad("missing prefix length");
  }
  Cidr c;
  if (inet_pton(AF_INET, addr_text.c_str(), c.addr_.data()) == 1) {
    c.family_ = 4;
  } else if (inet_pton(AF_INET6, addr_text.c_str(), c.addr_.data()) == 1) {
    c.family_ = 6;
  } else {
    return bad("bad address");
  }
  const unsigned max = c.family_ == 4 ? 32 : 128;
  unsigned len = max;
  if (!len_text.empty()) {
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len > max)
      return bad(fmt::format("prefix length must be 0 to {}", max));
  }
  c.prefix_len_ = static_cast<uint8_t>(len);
  auto m = c.mask();
  for (size_t i = 0; i < 16; ++i) c.addr_[i] &= m[i];
  return c;
}

std::array<uint8_t, 16> Cidr::mask() const {
  std::array<uint8_t, 16> m{};
  unsigned bits = prefix_len_;
  const size_t n = family_ == 4 ? 4 : 16;
  for (size_t i = 0; i < n && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    m[i] = static_cast<uint8_t>(0xFF00 >> take);
    bits -= take;
  }
  return m;
}

bool Cidr::contains(const Cidr& other) const {
  if (family_ != other.family_ || other.prefix_len_ < prefix_len_) return false;
  auto m = mask();
  for (size_t i = 0; i < 16; ++i)
    if ((other.addr_[i] & m[i]) != addr_[i]) return false;
  return true;
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_ == 4 ? AF_INET : AF_INET6, addr_.data(), buf, sizeof(buf));
  return fmt::format("{}/{}", buf, prefix_len_);
}

}  // namespace seismo
