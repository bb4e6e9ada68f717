#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace seismo::chaos {

// One fault program (cgskb_fault_ingress) attached to a cgroup's ingress
// for target.by: socket, through a BPF link pinned at
// <pin_dir>/cgskb_<attach_id>. The pin, not seismod, keeps it attached: a
// SIGKILLed daemon's fault still ends in the kernel at its expiry, and the
// next daemon finds the link by its pin (reconcile). When the pins are lost
// (bpffs unmounted) nothing holds the link any more and the kernel detaches
// the program by itself. Destroying this object closes the descriptor only;
// detach() removes the attachment.
class CgroupLink {
 public:
  static std::string pin_path(const std::string& pin_dir, uint32_t attach_id);
  // Loads a program instance for `attach_id`, attaches it to the cgroup
  // directory and pins the link; nothing stays behind on failure.
  static Result<std::unique_ptr<CgroupLink>> attach(const std::string& pin_dir, uint32_t attach_id,
                                                    const std::string& cgroup_dir);
  // The pinned link of an earlier daemon.
  static Result<std::unique_ptr<CgroupLink>> adopt(const std::string& pin_dir, uint32_t attach_id);
  // The attachment ids pinned under pin_dir (cgskb_N).
  [[nodiscard]] static std::vector<uint32_t> pinned(const std::string& pin_dir);

  ~CgroupLink() = default;
  CgroupLink(const CgroupLink&) = delete;
  CgroupLink& operator=(const CgroupLink&) = delete;

  // Whether the link still holds its cgroup: false once the cgroup was
  // removed (the kernel detaches its programs) or the link detached.
  [[nodiscard]] Result<bool> attached() const;
  // Detaches the program from the cgroup and removes the pin.
  Result<void> detach();
  [[nodiscard]] uint64_t cgroup_id() const { return cgroup_id_; }
  [[nodiscard]] uint32_t program_id() const { return program_id_; }
  [[nodiscard]] const std::string& pin() const { return pin_; }

 private:
  CgroupLink(UniqueFd link, std::string pin) : link_(std::move(link)), pin_(std::move(pin)) {}
  Result<void> read_info();

  UniqueFd link_;
  std::string pin_;
  uint64_t cgroup_id_ = 0;
  uint32_t program_id_ = 0;
};

}  // namespace seismo::chaos
