// Finding a pod's cgroups and processes, on a directory tree shaped like
// kubelet's (a plain temporary directory stands in for the cgroupfs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pods/pod_cgroups.h"

using namespace seismo::pods;
namespace fs = std::filesystem;

namespace {

class PodCgroups : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("seismo-podcg-" + std::to_string(::getpid()));
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path mk(const std::string& rel, const std::string& procs = "") {
    fs::path p = root_ / fs::path(rel).relative_path();
    fs::create_directories(p);
    std::ofstream(p / "cgroup.procs") << procs;
    return p;
  }
  fs::path root_;
};

const std::string kPodSlice =
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice";
const std::string kUid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

}  // namespace

TEST_F(PodCgroups, GroupsByPodContainersAfterPodLevel) {
  mk("/system.slice/cron.service", "1\n");
  mk(kPodSlice);
  mk(kPodSlice + "/cri-containerd-" + std::string(64, 'b') + ".scope", "101\n102\n");
  mk(kPodSlice + "/cri-containerd-" + std::string(64, 'c') + ".scope", "103\n");
  mk("/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555/" + std::string(64, 'd'), "200\n");
  auto index = scan_pod_cgroups(root_.string());
  ASSERT_EQ(index.size(), 2u);
  const auto& dirs = index.at(kUid);
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_TRUE(dirs.front().parsed.container_id.empty());
  EXPECT_EQ(dirs.front().path, kPodSlice);
  EXPECT_NE(dirs.front().id, 0u);
  auto pids = pod_processes(root_.string(), dirs);
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(pod_processes(root_.string(), dirs, 2).size(), 2u);
}

TEST_F(PodCgroups, NothingForNonPodTrees) {
  mk("/system.slice/kubepods-looking.service");
  mk("/user.slice/user-1000.slice");
  EXPECT_TRUE(scan_pod_cgroups(root_.string()).empty());
  EXPECT_TRUE(scan_pod_cgroups((root_ / "missing").string()).empty());
}
