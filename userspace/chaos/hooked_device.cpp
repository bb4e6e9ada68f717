#include "chaos/hooked_device.h"

#include <fmt/format.h>

#include "common/log.h"

namespace seismo::chaos {

namespace {

uint32_t filter_handle(uint32_t attach_id) { return kFilterHandleBase | attach_id; }
std::string filter_name(uint32_t attach_id) { return fmt::format("{}{}", kFilterNamePrefix, attach_id); }

bool gone(const Error& e) { return HookedDevice::is_gone(e); }

}  // namespace

FqRelease plan_fq_release(bool fq_installed, const std::optional<net::Qdisc>& previous,
                          const std::optional<net::Qdisc>& current_root) {
  if (!fq_installed) return FqRelease::nothing;
  if (!current_root || current_root->kind != "fq" || current_root->handle != kFqHandle) return FqRelease::leave_theirs;
  if (previous && !previous->is_default()) return FqRelease::restore_previous;
  // Deleting the root makes the kernel attach the device's default again
  // (noqueue on veth, pfifo_fast/mq elsewhere): exactly what was there.
  return FqRelease::delete_root;
}

Result<std::unique_ptr<HookedDevice>> HookedDevice::open(net::Netns netns, const net::LinkInfo& link) {
  auto sock = net::NetlinkSocket::open_in(netns);
  if (!sock) return fail(std::move(sock).error());
  DeviceRecord record;
  record.key = {netns.inode(), netns.device(), link.ifindex};
  record.netns_path = netns.path();
  record.ifname = link.name;
  return std::unique_ptr<HookedDevice>(new HookedDevice(std::move(netns), std::move(*sock), link, std::move(record)));
}

Result<std::unique_ptr<HookedDevice>> HookedDevice::adopt(const DeviceRecord& record) {
  auto netns = net::Netns::open(record.netns_path);
  if (!netns || netns->inode() != record.key.netns_inode || netns->device() != record.key.netns_device)
    return fail_errno(ENOENT, fmt::format("network namespace {} (inode {}) is gone", record.netns_path,
                                          record.key.netns_inode));
  auto sock = net::NetlinkSocket::open_in(*netns);
  if (!sock) return fail(std::move(sock).error());
  auto link = net::find_link(*sock, record.key.ifindex);
  if (!link || link->name != record.ifname)
    return fail_errno(ENOENT, fmt::format("device {} (ifindex {}) in {} is gone", record.ifname, record.key.ifindex,
                                          record.netns_path));
  std::unique_ptr<HookedDevice> dev(new HookedDevice(std::move(*netns), std::move(*sock), *link, record));
  if (auto root = net::root_qdisc(dev->sock_, record.key.ifindex); root && *root && (*root)->kind == "fq") {
    dev->fq_options_ = net::FqOptions::decode((*root)->options);
    dev->fq_horizon_us_ = dev->fq_options_.horizon_us;
  }
  return dev;
}

HookedDevice::~HookedDevice() {
  if (released_) return;
  if (auto r = restore(); !r) log::warn("restore {}: {}", describe(), r.error().message());
}

std::string HookedDevice::describe() const {
  return fmt::format("{} (ifindex {}) in {}", record_.ifname, record_.key.ifindex, record_.netns_path);
}

Result<void> HookedDevice::ensure_clsact() {
  auto created = net::add_clsact(sock_, record_.key.ifindex);
  if (!created) return fail(std::move(created).error().wrap(describe()));
  if (*created) record_.clsact_created = true;
  return {};
}

Result<void> HookedDevice::attach(const AttachmentRecord& attachment, int prog_fd) {
  if (auto r = ensure_clsact(); !r) return r;
  if (auto r = net::attach_bpf_filter(sock_, record_.key.ifindex, attachment.hook, kFilterPriority,
                                      filter_handle(attachment.attach_id), prog_fd, filter_name(attachment.attach_id));
      !r)
    return fail(std::move(r).error().wrap(describe()));
  record_.attachments.push_back(attachment);
  return {};
}

Result<void> HookedDevice::detach(uint32_t attach_id) {
  for (auto it = record_.attachments.begin(); it != record_.attachments.end(); ++it) {
    if (it->attach_id != attach_id) continue;
    auto r = net::detach_filter(sock_, record_.key.ifindex, it->hook, kFilterPriority, filter_handle(attach_id));
    if (!r && !gone(r.error())) {
      // EINVAL is also what a deleted clsact gives: done if the filter is
      // no longer there.
      auto present = has_filter(attach_id);
      if (!present || *present) return fail(std::move(r).error().wrap(describe()));
      log::info("{}: filter {}{} was already gone", describe(), kFilterNamePrefix, attach_id);
    }
    record_.attachments.erase(it);
    return {};
  }
  return {};
}

Result<bool> HookedDevice::has_filter(uint32_t attach_id) {
  for (const auto& a : record_.attachments) {
    if (a.attach_id != attach_id) continue;
    auto filters = net::list_filters(sock_, record_.key.ifindex, a.hook);
    if (!filters) return fail(std::move(filters).error().wrap(describe()));
    for (const auto& f : *filters)
      if (f.priority == kFilterPriority && f.handle == filter_handle(attach_id)) return true;
    return false;
  }
  return false;
}

Result<void> HookedDevice::ensure_fq(const net::FqOptions& wanted) {
  const int ifindex = record_.key.ifindex;
  if (record_.fq_installed) {
    if (fq_options_.limit >= wanted.limit && fq_options_.flow_limit >= wanted.flow_limit) return {};
    net::FqOptions bigger = fq_options_;
    bigger.limit = std::max(bigger.limit, wanted.limit);
    bigger.flow_limit = std::max(bigger.flow_limit, wanted.flow_limit);
    net::Qdisc fq{"fq", kFqHandle, 0, bigger.encode()};
    if (auto r = net::replace_root_qdisc(sock_, ifindex, fq); !r) return fail(std::move(r).error().wrap(describe()));
    fq_options_ = bigger;
    return {};
  }
  auto root = net::root_qdisc(sock_, ifindex);
  if (!root) return fail(std::move(root).error().wrap(describe()));
  if (*root && (*root)->kind == "fq") {
    // Someone else's fq (or the system default): use it, leave it.
    fq_options_ = net::FqOptions::decode((*root)->options);
    fq_horizon_us_ = fq_options_.horizon_us;
    if (fq_options_.flow_limit < wanted.flow_limit)
      log::warn("{}: existing fq has flow_limit {} (< {} for this delay): expect flows_plimit drops", describe(),
                fq_options_.flow_limit, wanted.flow_limit);
    return {};
  }
  if (*root && !(*root)->is_default()) {
    // Only what recreating the root from its options brings back may be
    // replaced (tbf's built-in class does; an htb class tree does not).
    auto lost = net::lost_on_replace(sock_, ifindex, **root);
    if (!lost) return fail(std::move(lost).error().wrap(describe()));
    if (!lost->empty())
      return fail_errno(EBUSY, fmt::format("{}: root qdisc {} has {}; a delay needs fq as root qdisc and "
                                           "seismo will not replace a class hierarchy it cannot restore",
                                           describe(), (*root)->describe(), *lost));
  }
  // Record what we replace before replacing it: a crash in between still
  // leaves a record the next daemon can restore from.
  record_.previous_root = *root ? std::optional<net::Qdisc>(**root) : std::nullopt;
  net::Qdisc fq{"fq", kFqHandle, 0, wanted.encode()};
  if (auto r = net::replace_root_qdisc(sock_, ifindex, fq); !r) {
    record_.previous_root.reset();
    if (r.error().code == ENOENT || r.error().code == EOPNOTSUPP)
      return fail_errno(EOPNOTSUPP, fmt::format("{}: this kernel has no fq qdisc (CONFIG_NET_SCH_FQ); delay faults "
                                                "need it to release the time-stamped packets",
                                                describe()));
    return fail(std::move(r).error().wrap(describe()));
  }
  record_.fq_installed = true;
  fq_options_ = wanted;
  fq_horizon_us_ = wanted.horizon_us;
  return {};
}

Result<void> HookedDevice::release_fq() {
  fq_horizon_us_ = 0;
  if (!record_.fq_installed) return {};
  const int ifindex = record_.key.ifindex;
  auto root = net::root_qdisc(sock_, ifindex);
  if (!root && !gone(root.error())) return fail(std::move(root).error().wrap("restore root qdisc of " + describe()));
  Result<void> r;
  switch (plan_fq_release(true, record_.previous_root, root ? *root : std::optional<net::Qdisc>{})) {
    case FqRelease::restore_previous: r = net::replace_root_qdisc(sock_, ifindex, *record_.previous_root); break;
    case FqRelease::delete_root: r = net::delete_root_qdisc(sock_, ifindex); break;
    case FqRelease::leave_theirs:
      if (root && *root)
        log::warn("{}: root qdisc is now {}, not seismo's fq: left as it is (not restoring {})", describe(),
                  (*root)->describe(), record_.previous_root ? record_.previous_root->describe() : "the default");
      break;
    case FqRelease::nothing: break;
  }
  if (!r && !gone(r.error())) return fail(std::move(r).error().wrap("restore root qdisc of " + describe()));
  record_.fq_installed = false;
  record_.previous_root.reset();
  return {};
}

Result<void> HookedDevice::release_clsact() {
  if (!record_.clsact_created) return {};
  // Only when nobody else put a filter on it meanwhile.
  for (auto hook : {net::TcHook::ingress, net::TcHook::egress}) {
    auto filters = net::list_filters(sock_, record_.key.ifindex, hook);
    if (!filters) {
      if (gone(filters.error())) return {};
      return fail(std::move(filters).error());
    }
    if (!filters->empty()) {
      log::info("{}: leaving the clsact qdisc in place: {} other filter(s) on {}", describe(), filters->size(),
                net::tc_hook_name(hook));
      record_.clsact_created = false;
      return {};
    }
  }
  auto r = net::delete_clsact(sock_, record_.key.ifindex);
  if (!r && !gone(r.error()) && r.error().code != EINVAL) return fail(std::move(r).error().wrap(describe()));
  record_.clsact_created = false;
  return {};
}

Result<void> HookedDevice::restore() {
  std::optional<Error> first;
  auto note = [&](Result<void> r) {
    if (!r && !first) first = std::move(r).error();
  };
  while (!record_.attachments.empty()) {
    const uint32_t id = record_.attachments.back().attach_id;
    auto r = detach(id);
    if (!r) {
      note(std::move(r));
      record_.attachments.pop_back();
    }
  }
  note(release_fq());
  note(release_clsact());
  if (first) return fail(std::move(*first));
  return {};
}

Result<std::vector<std::pair<net::TcHook, net::TcFilter>>> HookedDevice::tagged_filters() {
  std::vector<std::pair<net::TcHook, net::TcFilter>> out;
  for (auto hook : {net::TcHook::ingress, net::TcHook::egress}) {
    auto filters = net::list_filters(sock_, record_.key.ifindex, hook);
    if (!filters) return fail(std::move(filters).error());
    for (auto& f : *filters)
      if (f.kind == "bpf" && f.bpf_name.rfind(kFilterNamePrefix, 0) == 0) out.emplace_back(hook, std::move(f));
  }
  return out;
}

Result<void> HookedDevice::remove_filter(net::TcHook hook, const net::TcFilter& filter) {
  auto r = net::detach_filter(sock_, record_.key.ifindex, hook, filter.priority, filter.handle);
  if (!r && !gone(r.error())) return r;
  return {};
}

}  // namespace seismo::chaos
