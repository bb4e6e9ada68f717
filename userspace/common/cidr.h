#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace seismo {

// An IPv4 or IPv6 prefix ("10.0.0.0/8", "fd00::/64", a bare address is a
// /32 or /128). Host bits are cleared, so 10.1.2.3/8 is 10.0.0.0/8.
class Cidr {
 public:
  static Result<Cidr> parse(std::string_view text, std::string_view field);

  [[nodiscard]] uint8_t family() const { return family_; }  // 4 or 6
  [[nodiscard]] uint8_t prefix_len() const { return prefix_len_; }
  // Address bytes in network order (IPv4 in the first 4).
  [[nodiscard]] const std::array<uint8_t, 16>& address() const { return addr_; }
  // Mask bytes in network order.
  [[nodiscard]] std::array<uint8_t, 16> mask() const;
  [[nodiscard]] bool contains(const Cidr& other) const;
  [[nodiscard]] bool overlaps(const Cidr& other) const { return contains(other) || other.contains(*this); }
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Cidr&) const = default;

 private:
  Cidr() = default;
  uint8_t family_ = 4;
  uint8_t prefix_len_ = 0;
  std::array<uint8_t, 16> addr_{};
};

}  // namespace seismo
