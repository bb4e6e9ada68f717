#include "chaos/bpffs.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <cerrno>
#include <filesystem>

namespace seismo::chaos {

bool is_bpffs(const std::string& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 && static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC;
}

Result<bool> ensure_bpffs(const std::string& mount_point) {
  if (is_bpffs(mount_point)) return false;
  std::error_code ec;
  std::filesystem::create_directories(mount_point, ec);
  if (ec) return fail_errno(ec.value(), "create BPF filesystem mount point " + mount_point);
  if (::mount("bpf", mount_point.c_str(), "bpf", 0, "mode=0700") != 0)
    return fail_errno(errno, "mount a BPF filesystem on " + mount_point + " (pinned fault state lives there)");
  return true;
}

}  // namespace seismo::chaos
