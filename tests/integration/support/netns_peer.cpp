#include "support/netns_peer.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "common/unique_fd.h"

namespace seismo::testing {

namespace {
Result<void> sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  if (rc != 0) return fail_plain(fmt::format("`{}` failed (status {})", cmd, rc));
  return {};
}
}  // namespace

Result<NetnsPeer> NetnsPeer::create(const std::string& tag) {
  static std::atomic<unsigned> counter{0};
  const unsigned n = counter++;
  const unsigned pid = static_cast<unsigned>(::getpid());
  NetnsPeer p;
  p.name_ = fmt::format("seismo-sig-{}-{}-{}", tag, pid, n);
  p.host_if_ = fmt::format("sg{:x}h{}", pid & 0xffff, n % 100);  // ≤ 15 characters
  const std::string peer_if = fmt::format("sg{:x}p{}", pid & 0xffff, n % 100);
  // A /30 per fixture: 10.231.<pid>.<4n>
  const unsigned third = pid % 256, fourth = (n * 4) % 256;
  p.host_ip_ = fmt::format("10.231.{}.{}", third, fourth + 1);
  p.peer_ip_ = fmt::format("10.231.{}.{}", third, fourth + 2);
  if (auto r = sh("ip netns add " + p.name_); !r) return fail(std::move(r).error());
  for (const std::string& cmd :
       {fmt::format("ip link add {} type veth peer name {}", p.host_if_, peer_if),
        fmt::format("ip link set {} netns {}", peer_if, p.name_),
        fmt::format("ip -n {} link set {} name {}", p.name_, peer_if, kPeerIfname),
        fmt::format("ip addr add {}/30 dev {}", p.host_ip_, p.host_if_),
        fmt::format("ip -n {} addr add {}/30 dev {}", p.name_, p.peer_ip_, kPeerIfname),
        fmt::format("ip link set {} up", p.host_if_), fmt::format("ip -n {} link set {} up", p.name_, kPeerIfname),
        fmt::format("ip -n {} link set lo up", p.name_)}) {
    if (auto r = sh(cmd); !r) return fail(std::move(r).error());  // p's destructor cleans up
  }
  return p;
}

NetnsPeer::NetnsPeer(NetnsPeer&& o) noexcept
    : name_(std::move(o.name_)), host_if_(std::move(o.host_if_)), host_ip_(std::move(o.host_ip_)),
      peer_ip_(std::move(o.peer_ip_)) {
  o.name_.clear();
  o.host_if_.clear();
}

void NetnsPeer::destroy() {
  // Deleting the namespace destroys the namespace-side veth, which takes its
  // host-side peer with it; the explicit delete covers a half-built pair.
  if (!host_if_.empty()) (void)sh("ip link del " + host_if_);
  if (!name_.empty()) (void)sh("ip netns del " + name_);
  name_.clear();
  host_if_.clear();
}

NetnsPeer::~NetnsPeer() { destroy(); }

Result<void> NetnsPeer::run_inside(const std::function<Result<void>()>& fn) const {
  Result<void> result = fail_plain("not run");
  std::thread t([&] {
    UniqueFd ns(::open(netns_path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) {
      result = fail_errno(errno, "open " + netns_path());
      return;
    }
    // setns(CLONE_NEWNET) moves only this thread.
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      result = fail_errno(errno, "setns " + netns_path());
      return;
    }
    result = fn();
  });
  t.join();
  return result;
}

}  // namespace seismo::testing
