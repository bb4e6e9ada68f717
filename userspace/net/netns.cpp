#include "net/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

namespace seismo::net {

Result<Netns> Netns::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(errno, "open network namespace " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno(errno, "stat network namespace " + path);
  // A leftover plain file under /run/netns (a crashed `ip netns add`) or
  // another namespace type is not a network namespace.
  if (::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET)
    return fail_errno(EINVAL, path + " is not a network namespace");
  return Netns(std::move(fd), st.st_ino, st.st_dev, path);
}

Result<Netns> Netns::by_name(const std::string& name, const std::string& dir) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return fail_errno(EINVAL, fmt::format("'{}' is not a network namespace name", name));
  const std::string path = dir + "/" + name;
  auto ns = open(path);
  if (!ns && ns.error().code == ENOENT)
    return fail_errno(ENOENT, fmt::format("network namespace '{}' not found (no {})", name, path));
  // `ip netns del` unmounts the namespace, then unlinks the file; `ip netns
  // add` creates the file, then mounts it. In between (or after a crash) the
  // name holds a plain file: no namespace by that name, which is "not found"
  // to whoever asked for it (a fault.add racing the removal found EINVAL).
  if (!ns && ns.error().code == EINVAL)
    return fail_errno(ENOENT, fmt::format("network namespace '{}' not found ({} is not mounted: being added or "
                                          "removed by ip netns, or left by a crashed one)",
                                          name, path));
  return ns;
}

Result<Netns> Netns::of_pid(pid_t pid) {
  if (pid <= 0) return fail_errno(EINVAL, fmt::format("pid {} is not a process id", pid));
  auto ns = open(fmt::format("/proc/{}/ns/net", pid));
  if (!ns && ns.error().code == ENOENT) return fail_errno(ESRCH, fmt::format("process {} not found", pid));
  return ns;
}

Result<Netns> Netns::current() { return open("/proc/thread-self/ns/net"); }

Result<Netns> Netns::duplicate() const {
  UniqueFd fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!fd) return fail_errno(errno, "duplicate network namespace fd");
  return Netns(std::move(fd), inode_, device_, path_);
}

}  // namespace seismo::net
