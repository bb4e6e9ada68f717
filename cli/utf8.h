#pragma once

#include <cstddef>
#include <string_view>

namespace seismo::cli {

// Offset of the first byte that breaks UTF-8 in `s`, or npos when it is all
// valid. The control protocol is JSON, which carries text only: the CLI
// refuses bytes it could not send instead of failing inside the encoder.
inline size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    const auto c1 = static_cast<unsigned char>(s[i + 1 < s.size() ? i + 1 : i]);
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((len == 2 && c < 0xc2) || (len == 3 && c == 0xe0 && c1 < 0xa0) || (len == 3 && c == 0xed && c1 >= 0xa0) ||
        (len == 4 && c == 0xf0 && c1 < 0x90) || (len == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90))))
      return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace seismo::cli
