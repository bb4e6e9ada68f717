// Asks the kernel whether a qdisc kind exists by creating it, in a child
// process inside a fresh network namespace (so nothing on the host changes).
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "doctor/doctor.h"

namespace seismo::doctor {
namespace {

int add_root_qdisc_on_lo(const std::string& kind) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  struct {
    nlmsghdr nh;
    tcmsg tc;
    char attrs[64];
  } req{};
  req.nh.nlmsg_type = RTM_NEWQDISC;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  req.nh.nlmsg_seq = 1;
  req.tc.tcm_family = AF_UNSPEC;
  req.tc.tcm_ifindex = 1;  // lo is always ifindex 1 in a new netns
  // clsact is not a root qdisc: it hangs off its own pseudo-parent.
  if (kind == "clsact") {
    req.tc.tcm_parent = TC_H_CLSACT;
    req.tc.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
  } else {
    req.tc.tcm_parent = TC_H_ROOT;
  }
  auto* rta = reinterpret_cast<rtattr*>(req.attrs);
  rta->rta_type = TCA_KIND;
  rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(kind.size() + 1));
  std::memcpy(RTA_DATA(rta), kind.c_str(), kind.size() + 1);
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(tcmsg)) + RTA_ALIGN(rta->rta_len);
  if (kind == "netem") {
    // netem refuses to be created without its options struct (EINVAL).
    auto* opt = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + req.nh.nlmsg_len);
    tc_netem_qopt qopt{};
    qopt.limit = 1000;
    opt->rta_type = TCA_OPTIONS;
    opt->rta_len = static_cast<unsigned short>(RTA_LENGTH(sizeof(qopt)));
    std::memcpy(RTA_DATA(opt), &qopt, sizeof(qopt));
    req.nh.nlmsg_len += RTA_ALIGN(opt->rta_len);
  }
  if (::send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
    int e = errno;
    ::close(fd);
    return e;
  }
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ::close(fd);
  if (n < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr)))) return EIO;
  auto* nh = reinterpret_cast<nlmsghdr*>(buf);
  if (nh->nlmsg_type != NLMSG_ERROR) return EIO;
  auto* err = reinterpret_cast<nlmsgerr*>(reinterpret_cast<char*>(nh) + NLMSG_HDRLEN);
  return -err->error;
}

}  // namespace

int probe_qdisc(const std::string& kind) {
  pid_t pid = ::fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET) != 0) _exit(errno & 0xff);
    _exit(add_root_qdisc_on_lo(kind) & 0xff);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return EIO;
  return WEXITSTATUS(status);
}

}  // namespace seismo::doctor
