// A fake cgroupfs: a directory tree in /tmp, whose inode numbers play the
// role of cgroup ids (as they do in cgroup2fs).
#include "cgroup/cgroup_resolver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

using seismo::cgroup::CgroupResolver;
namespace fs = std::filesystem;

class FakeCgroupfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/seismo-cgfs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  uint64_t make(const std::string& rel) {
    fs::create_directories(root_ + rel);
    return ino(rel);
  }
  uint64_t ino(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(stat((root_ + rel).c_str(), &st), 0);
    return st.st_ino;
  }
  std::string root_;
};

TEST_F(FakeCgroupfs, ResolvesNestedPathsAndRoot) {
  uint64_t svc = make("/system.slice/cron.service");
  uint64_t pod = make("/kubepods.slice/kubepods-besteffort.slice/pod1");
  CgroupResolver r(root_ + "/");
  r.begin_pass();
  EXPECT_EQ(r.lookup(svc), "/system.slice/cron.service");
  EXPECT_EQ(r.lookup(pod), "/kubepods.slice/kubepods-besteffort.slice/pod1");
  EXPECT_EQ(r.lookup(ino("")), "/");
  EXPECT_EQ(r.rescans(), 1u);  // one walk answered all three
}

TEST_F(FakeCgroupfs, UnknownIdRescansOncePerPass) {
  make("/a");
  CgroupResolver r(root_);
  r.begin_pass();
  EXPECT_FALSE(r.lookup(999999999));
  EXPECT_FALSE(r.lookup(999999998));
  EXPECT_EQ(r.rescans(), 1u);
}

TEST_F(FakeCgroupfs, NewCgroupFoundInNextPass) {
  make("/a");
  CgroupResolver r(root_);
  r.begin_pass();
  ASSERT_TRUE(r.lookup(ino("/a")));
  uint64_t b = make("/b");
  r.begin_pass();
  EXPECT_EQ(r.lookup(b), "/b");
}

TEST_F(FakeCgroupfs, RemovedCgroupDisappears) {
  uint64_t a = make("/a/b");
  CgroupResolver r(root_);
  r.begin_pass();
  ASSERT_EQ(r.lookup(a), "/a/b");
  fs::remove(root_ + "/a/b");
  r.begin_pass();
  EXPECT_FALSE(r.lookup(a));
}

TEST_F(FakeCgroupfs, ReplacedDirectoryAtSamePathIsANewId) {
  uint64_t old_id = make("/x");
  CgroupResolver r(root_);
  r.begin_pass();
  ASSERT_EQ(r.lookup(old_id), "/x");
  // Make the replacement while the old one still exists, so its inode
  // number is necessarily different, then move it into place.
  uint64_t new_id = make("/x.new");
  fs::remove(root_ + "/x");
  fs::rename(root_ + "/x.new", root_ + "/x");
  ASSERT_NE(new_id, old_id);
  r.begin_pass();
  EXPECT_FALSE(r.lookup(old_id));
  EXPECT_EQ(r.lookup(new_id), "/x");
}

TEST_F(FakeCgroupfs, MissingRootYieldsNothing) {
  CgroupResolver r(root_ + "/does-not-exist");
  r.begin_pass();
  EXPECT_FALSE(r.lookup(1));
}

TEST_F(FakeCgroupfs, DirectoryCapBoundsTheWalk) {
  for (int i = 0; i < 20; ++i) make("/d" + std::to_string(i));
  CgroupResolver r(root_, 5);
  r.begin_pass();
  r.lookup(1);
  EXPECT_LE(r.cached(), 6u);  // root + at most 5 children
}
