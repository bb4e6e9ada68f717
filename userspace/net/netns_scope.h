#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "net/netns.h"

namespace seismo::net {

// Moves the calling thread into a network namespace until destruction, then
// back. Only the calling thread moves (setns on a multithreaded process
// affects one thread). Keep the scope short: open a socket and leave.
class NetnsScope {
 public:
  static Result<NetnsScope> enter(const Netns& target);
  NetnsScope(NetnsScope&& o) noexcept : home_(std::move(o.home_)) {}
  NetnsScope& operator=(NetnsScope&&) = delete;
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;
  ~NetnsScope();

 private:
  explicit NetnsScope(UniqueFd home) : home_(std::move(home)) {}
  UniqueFd home_;
};

}  // namespace seismo::net
