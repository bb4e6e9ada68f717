#include "cgroup/mountinfo.h"

#include <gtest/gtest.h>

using namespace seismo::cgroup;

// Lines as this hybrid host prints them, plus an escaped mount point.
constexpr const char* kHybrid =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
    "41 22 0:38 / /mnt/with\\040space rw - bpf bpf rw\n"
    "garbage line\n"
    "\n";

TEST(Mountinfo, FindsCgroup2OnAHybridHost) {
  size_t skipped = 0;
  auto mounts = parse_mountinfo(kHybrid, &skipped);
  EXPECT_EQ(skipped, 1u);
  ASSERT_EQ(mounts.size(), 5u);
  const MountEntry* cg2 = nullptr;
  for (const auto& m : mounts)
    if (m.fs_type == "cgroup2") cg2 = &m;
  ASSERT_NE(cg2, nullptr);
  EXPECT_EQ(cg2->mount_point, "/sys/fs/cgroup/unified");  // optional field "shared:9" skipped
}

TEST(Mountinfo, DecodesOctalEscapes) {
  auto mounts = parse_mountinfo(kHybrid);
  EXPECT_EQ(mounts[4].mount_point, "/mnt/with space");
  EXPECT_EQ(mounts[4].fs_type, "bpf");
}

TEST(Mountinfo, FindsV1Controller) {
  auto mounts = parse_mountinfo(kHybrid);
  auto mem = find_cgroup1_controller(mounts, "memory");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_FALSE(find_cgroup1_controller(mounts, "cpu"));
  EXPECT_FALSE(find_cgroup1_controller(mounts, "name"));  // not a prefix match
}

TEST(Mountinfo, MissingFilesystemNamesIt) {
  char path[] = "/tmp/seismo-mountinfo-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text = "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  auto r = find_mount("cgroup2", path);
  unlink(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no cgroup2 filesystem"), std::string::npos);
}
