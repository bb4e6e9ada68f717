#include "chaos/cgroup_target.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

namespace seismo::chaos {

Result<CgroupTarget> read_cgroup_target(const std::string& root, const std::string& dir) {
  namespace fs = std::filesystem;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail_errno(errno ? errno : ENOTDIR, fmt::format("target.cgroup: cannot read cgroup directory {}", dir));
  CgroupTarget out;
  out.path = fs::path(dir).lexically_normal().string();
  const fs::path rel = fs::path(out.path).lexically_relative(fs::path(root).lexically_normal());
  if (rel.empty() || *rel.begin() == "..")
    return fail_errno(EINVAL, fmt::format("target.cgroup: {} is not below the cgroup2 mount {}", dir, root));
  out.relative = "/";
  for (const auto& part : rel) {
    if (part == "." || part.empty()) continue;
    out.relative += (out.level ? "/" : "") + part.string();
    ++out.level;
  }
  // cgroup ids are kernfs node ids, which are the inode numbers on 64-bit
  // kernels (kernfs since 5.5: the id is the ino).
  out.id = st.st_ino;
  return out;
}

}  // namespace seismo::chaos
