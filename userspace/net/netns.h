#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::net {

// An open network namespace: the fd keeps it alive while we hold it, the
// inode identifies it across processes (and across a daemon restart, with
// `path` as the way back to it). Move-only.
class Netns {
 public:
  // /run/netns/NAME, /proc/PID/ns/net, or any bind mount of a netns.
  static Result<Netns> open(const std::string& path);
  // DIR/NAME as `ip netns` names it; a name that is absent, or holds a plain
  // file (ip netns unmounted it and has not unlinked it yet, or has not
  // mounted it yet), is ENOENT.
  static Result<Netns> by_name(const std::string& name, const std::string& dir = "/run/netns");
  static Result<Netns> of_pid(pid_t pid);
  static Result<Netns> current();  // this thread's netns

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] uint64_t inode() const { return inode_; }
  [[nodiscard]] uint64_t device() const { return device_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool same_as(const Netns& other) const {
    return inode_ == other.inode_ && device_ == other.device_;
  }
  [[nodiscard]] Result<Netns> duplicate() const;

 private:
  Netns(UniqueFd fd, uint64_t inode, uint64_t device, std::string path)
      : fd_(std::move(fd)), inode_(inode), device_(device), path_(std::move(path)) {}
  UniqueFd fd_;
  uint64_t inode_ = 0;
  uint64_t device_ = 0;
  std::string path_;
};

}  // namespace seismo::net
