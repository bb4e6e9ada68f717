#pragma once

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaos/device_record.h"
#include "common/result.h"
#include "net/fq_options.h"
#include "net/link_info.h"
#include "net/netlink_socket.h"
#include "net/netns.h"
#include "net/tc_filter.h"

namespace seismo::chaos {

// seismo's tc filters: pref 1 (ahead of filters with a larger pref), handle
// 0x5e15<attach id>, named "seismo-fault-<attach id>" (the tag a restarted
// daemon and `tc filter show` recognise). fq installed by seismo: "5e15:".
inline constexpr uint16_t kFilterPriority = 1;
inline constexpr uint32_t kFilterHandleBase = 0x5e150000;
inline constexpr uint32_t kFqHandle = 0x5e150000;
inline constexpr const char* kFilterNamePrefix = "seismo-fault-";

// What release_fq does with the root qdisc, given what seismo recorded and
// what is there now: only a root that is still seismo's fq ("5e15:") is
// replaced or deleted; an operator's newer root qdisc is left alone.
enum class FqRelease { nothing, restore_previous, delete_root, leave_theirs };
FqRelease plan_fq_release(bool fq_installed, const std::optional<net::Qdisc>& previous,
                          const std::optional<net::Qdisc>& current_root);

// Owns what seismo installed on one device: its filters, the clsact qdisc
// if seismo created it, fq if seismo put it in as root qdisc (and the root
// qdisc it replaced). restore() (and the destructor) undo all of it and
// leave the device as it was; release() forgets it instead (the caller
// keeps it for a successor daemon).
class HookedDevice {
 public:
  static Result<std::unique_ptr<HookedDevice>> open(net::Netns netns, const net::LinkInfo& link);
  // Re-opens a device a previous daemon recorded. ENOENT when its netns or
  // device no longer exists (then nothing of ours is left on it either).
  static Result<std::unique_ptr<HookedDevice>> adopt(const DeviceRecord& record);
  ~HookedDevice();
  HookedDevice(const HookedDevice&) = delete;
  HookedDevice& operator=(const HookedDevice&) = delete;

  Result<void> attach(const AttachmentRecord& attachment, int prog_fd);
  // Removes a filter of ours; one already gone (deleted underneath, clsact
  // and all) counts as removed.
  Result<void> detach(uint32_t attach_id);
  // Whether the attachment's filter is still on the device.
  Result<bool> has_filter(uint32_t attach_id);
  // The device or its netns went away: whatever we installed went with it.
  static bool is_gone(const Error& e) { return e.code == ENODEV || e.code == ENOENT; }
  // Makes fq the root qdisc (or accepts an fq already there), sized at least
  // as `wanted`. Refuses a classful root qdisc that has classes.
  Result<void> ensure_fq(const net::FqOptions& wanted);
  // Puts back the root qdisc fq replaced (no-op when seismo did not install
  // fq, or when the root is no longer seismo's fq: see plan_fq_release).
  Result<void> release_fq();
  // Undoes everything; errors are collected, the rest still runs.
  Result<void> restore();
  void release() { released_ = true; }

  // Filters carrying seismo's tag on either hook, with their hook.
  Result<std::vector<std::pair<net::TcHook, net::TcFilter>>> tagged_filters();
  // Removes a tagged filter found on the device (reconciliation).
  Result<void> remove_filter(net::TcHook hook, const net::TcFilter& filter);

  [[nodiscard]] const DeviceRecord& record() const { return record_; }
  [[nodiscard]] const DeviceKey& key() const { return record_.key; }
  [[nodiscard]] bool has_attachments() const { return !record_.attachments.empty(); }
  [[nodiscard]] uint32_t fq_horizon_us() const { return fq_horizon_us_; }
  [[nodiscard]] bool has_fq() const { return fq_horizon_us_ != 0; }
  [[nodiscard]] const net::LinkInfo& link() const { return link_; }
  [[nodiscard]] const net::Netns& netns() const { return netns_; }
  [[nodiscard]] std::string describe() const;

 private:
  HookedDevice(net::Netns netns, net::NetlinkSocket sock, net::LinkInfo link, DeviceRecord record)
      : netns_(std::move(netns)), sock_(std::move(sock)), link_(std::move(link)), record_(std::move(record)) {}
  Result<void> ensure_clsact();
  Result<void> release_clsact();

  net::Netns netns_;
  net::NetlinkSocket sock_;
  net::LinkInfo link_;
  DeviceRecord record_;
  uint32_t fq_horizon_us_ = 0;  // 0: no fq known on the device
  net::FqOptions fq_options_;
  bool released_ = false;
};

}  // namespace seismo::chaos
