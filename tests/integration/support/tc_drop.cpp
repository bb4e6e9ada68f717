#include "support/tc_drop.h"

#include <net/if.h>

#include <bpf/libbpf.h>

#include "sigtest_drop.skel.h"

namespace seismo::testing {

void TcDrop::SkelDeleter::operator()(sigtest_drop_bpf* s) const noexcept { sigtest_drop_bpf__destroy(s); }

Result<TcDrop> TcDrop::install(const NetnsPeer& peer, TcDropOptions options) {
  TcDrop d;
  d.skel_.reset(sigtest_drop_bpf__open());
  if (!d.skel_) return fail_errno(errno, "open the tc drop program");
  d.skel_->rodata->cfg_every = options.every;
  d.skel_->rodata->cfg_verdict = options.egress ? 4 /* TC_ACT_STOLEN */ : 2 /* TC_ACT_SHOT */;
  if (int err = sigtest_drop_bpf__load(d.skel_.get()); err) return fail_errno(-err, "load the tc drop program");
  const int prog_fd = bpf_program__fd(d.skel_->progs.sigtest_drop);
  auto r = peer.run_inside([&]() -> Result<void> {
    unsigned ifindex = if_nametoindex(NetnsPeer::kPeerIfname);
    if (ifindex == 0) return fail_errno(errno, "ifindex of eth0 in " + peer.name());
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
                .attach_point = options.egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    if (int err = bpf_tc_hook_create(&hook); err && err != -EEXIST) return fail_errno(err, "create clsact");
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
    if (int err = bpf_tc_attach(&hook, &opts); err) return fail_errno(err, "attach tc drop");
    return {};
  });
  if (!r) return fail(std::move(r).error());
  d.peer_ = &peer;
  return d;
}

TcDrop::TcDrop(TcDrop&& o) noexcept : peer_(std::exchange(o.peer_, nullptr)), skel_(std::move(o.skel_)) {}

Result<void> TcDrop::remove() {
  if (!peer_) return {};
  auto r = peer_->run_inside([]() -> Result<void> {
    unsigned ifindex = if_nametoindex(NetnsPeer::kPeerIfname);
    if (ifindex == 0) return {};  // the namespace is gone already
    // Destroying the hook with both attach points deletes the clsact qdisc.
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
                .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    if (int err = bpf_tc_hook_destroy(&hook); err && err != -ENOENT) return fail_errno(err, "remove clsact");
    return {};
  });
  peer_ = nullptr;
  skel_.reset();
  return r;
}

TcDrop::~TcDrop() { (void)remove(); }

}  // namespace seismo::testing
