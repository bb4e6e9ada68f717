#pragma once

#include <string>
#include <system_error>

#include <fmt/format.h>

namespace seismo {

// An error as it reaches the user: what we were doing, and the errno (0 when
// the failure is not a system error, e.g. a validation failure).
struct Error {
  int code = 0;
  std::string context;

  // "attach tc egress on veth3a1 (ifindex 7): Operation not permitted"
  [[nodiscard]] std::string message() const {
    if (code == 0) return context;
    return fmt::format("{}: {}", context, std::generic_category().message(code));
  }

  // Prefixes more context: err.wrap("load syscalls probe").
  [[nodiscard]] Error wrap(std::string_view outer) const {
    return Error{code, fmt::format("{}: {}", outer, context)};
  }
};

// Builds an Error from a libbpf-style negative return or a positive errno.
inline Error errno_error(int err, std::string context) {
  return Error{err < 0 ? -err : err, std::move(context)};
}

// An error that is not a system error: bad input, a missing feature.
inline Error plain_error(std::string context) { return Error{0, std::move(context)}; }

}  // namespace seismo
