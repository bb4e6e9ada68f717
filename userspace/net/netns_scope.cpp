#include "net/netns_scope.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdlib>

#include "common/log.h"

namespace seismo::net {

Result<NetnsScope> NetnsScope::enter(const Netns& target) {
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) return fail_errno(errno, "open this thread's network namespace");
  if (::setns(target.fd(), CLONE_NEWNET) != 0) return fail_errno(errno, "enter network namespace " + target.path());
  return NetnsScope(std::move(home));
}

NetnsScope::~NetnsScope() {
  if (!home_) return;
  if (::setns(home_.get(), CLONE_NEWNET) != 0) {
    // A thread stranded in a foreign netns would act on the wrong devices
    // from then on; there is no safe way to continue.
    log::error("cannot return to the original network namespace: errno {}", errno);
    std::abort();
  }
}

}  // namespace seismo::net
