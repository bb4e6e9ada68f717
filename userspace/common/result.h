#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.h"

namespace seismo {

// The error side of a Result, shaped like std::unexpected so this type can be
// swapped for std::expected once the toolchain has it (GCC 12 does not).
class Unexpected {
 public:
  explicit Unexpected(Error e) : error_(std::move(e)) {}
  Error& error() & { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
};

inline Unexpected fail(Error e) { return Unexpected(std::move(e)); }
inline Unexpected fail_errno(int err, std::string context) {
  return Unexpected(errno_error(err, std::move(context)));
}
inline Unexpected fail_plain(std::string context) { return Unexpected(plain_error(std::move(context))); }

// Result<T>: a value or an Error. A subset of std::expected's interface.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like expected
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u).error()) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  Error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : err_(std::move(u).error()), ok_(false) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { assert(!ok_); return err_; }
  Error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

// Converts a libbpf return (0 or positive on success, negative errno on
// failure) into a Result. The one place libbpf's convention is translated.
inline Result<void> check_libbpf(long ret, std::string_view what) {
  if (ret < 0) return fail_errno(static_cast<int>(ret), std::string(what));
  return {};
}

}  // namespace seismo
