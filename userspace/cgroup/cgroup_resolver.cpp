#include "cgroup/cgroup_resolver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <vector>

#include "common/log.h"

namespace seismo::cgroup {

CgroupResolver::CgroupResolver(std::string root, size_t max_dirs) : root_(std::move(root)), max_dirs_(max_dirs) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

// Relative to a descriptor of the root, so each check walks only the
// cgroup's own components (a stat costs ~3 µs here, most of it path walk).
bool CgroupResolver::still_valid(uint64_t id, const std::string& rel) {
  if (!root_fd_) root_fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat st {};
  int rc;
  if (!root_fd_) {
    std::string full = rel == "/" ? root_ : root_ + rel;
    rc = ::stat(full.c_str(), &st);
  } else {
    rc = ::fstatat(root_fd_.get(), rel == "/" ? "" : rel.c_str() + 1, &st, rel == "/" ? AT_EMPTY_PATH : 0);
  }
  return rc == 0 && S_ISDIR(st.st_mode) && static_cast<uint64_t>(st.st_ino) == id;
}

std::optional<std::string> CgroupResolver::lookup(uint64_t id) {
  if (auto it = cache_.find(id); it != cache_.end()) {
    if (it->second.checked_pass == pass_ || still_valid(id, it->second.path)) {
      it->second.checked_pass = pass_;
      return it->second.path;
    }
    cache_.erase(it);
  }
  if (rescanned_in_pass_) return std::nullopt;
  rescan();
  if (auto it = cache_.find(id); it != cache_.end()) return it->second.path;
  return std::nullopt;
}

// Walks the tree with openat/fdopendir (no path re-resolution per level).
void CgroupResolver::rescan() {
  rescanned_in_pass_ = true;
  ++rescans_;
  std::unordered_map<uint64_t, Entry> fresh;
  struct Pending {
    int fd;
    std::string rel;
  };
  int root_fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    log::warn("cgroup rescan: cannot open {}: {}", root_, std::strerror(errno));
    return;
  }
  std::vector<Pending> stack{{root_fd, "/"}};
  size_t dirs = 0;
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    struct stat st {};
    if (::fstat(cur.fd, &st) == 0) fresh[static_cast<uint64_t>(st.st_ino)] = Entry{cur.rel, pass_};
    DIR* dir = ::fdopendir(cur.fd);
    if (!dir) {
      ::close(cur.fd);
      continue;
    }
    while (dirent* de = ::readdir(dir)) {
      if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) continue;
      std::string_view name = de->d_name;
      if (name == "." || name == "..") continue;
      if (++dirs > max_dirs_) break;
      int child = ::openat(::dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child < 0) continue;  // raced with rmdir, or not a directory
      stack.push_back({child, cur.rel == "/" ? "/" + std::string(name) : cur.rel + "/" + std::string(name)});
    }
    ::closedir(dir);
  }
  for (auto& p : stack) ::close(p.fd);
  if (dirs > max_dirs_) log::warn("cgroup rescan: stopped after {} directories under {}", max_dirs_, root_);
  cache_ = std::move(fresh);
}

}  // namespace seismo::cgroup
