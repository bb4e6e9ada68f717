// Paths recorded from real nodes (kubeadm + containerd with the systemd
// driver, OpenShift/CRI-O, minikube with docker, k3s/kind with cgroupfs).
#include "pods/cgroup_pod_parser.h"

#include <gtest/gtest.h>

using namespace seismo::pods;

namespace {
const std::string kId = "8d5a3c1e0b6f4a2d9c7e1f3b5a7d9c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c";
const std::string kUid = "0d6c1a39-4c2b-4f8e-9f5e-2b1a7c3d9e10";
const std::string kUidUnderscore = "0d6c1a39_4c2b_4f8e_9f5e_2b1a7c3d9e10";

PodCgroup must_parse(const std::string& path) {
  auto r = parse_pod_cgroup(path);
  EXPECT_TRUE(r.has_value()) << path << ": " << (r ? "" : r.error().message());
  return r ? *r : PodCgroup{};
}

void expect_not_pod(const std::string& path, const std::string& fragment) {
  auto r = parse_pod_cgroup(path);
  ASSERT_FALSE(r.has_value()) << path;
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}
}  // namespace

TEST(CgroupPodParser, SystemdBurstableContainerd) {
  auto p = must_parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidUnderscore +
                      ".slice/cri-containerd-" + kId + ".scope");
  EXPECT_EQ(p.pod_uid, kUid);
  EXPECT_EQ(p.qos, QosClass::burstable);
  EXPECT_EQ(p.container_id, kId);
  EXPECT_EQ(p.runtime, ContainerRuntime::containerd);
}

TEST(CgroupPodParser, SystemdBestEffortCrio) {
  auto p = must_parse("/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                      kUidUnderscore + ".slice/crio-" + kId + ".scope");
  EXPECT_EQ(p.qos, QosClass::besteffort);
  EXPECT_EQ(p.runtime, ContainerRuntime::crio);
  EXPECT_EQ(p.pod_uid, kUid);
}

TEST(CgroupPodParser, SystemdGuaranteedDocker) {
  auto p = must_parse("/kubepods.slice/kubepods-pod" + kUidUnderscore + ".slice/docker-" + kId + ".scope");
  EXPECT_EQ(p.qos, QosClass::guaranteed);
  EXPECT_EQ(p.runtime, ContainerRuntime::docker);
  EXPECT_EQ(p.container_id, kId);
}

TEST(CgroupPodParser, CrioConmonIsPodLevelNotContainer) {
  auto p = must_parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidUnderscore +
                      ".slice/crio-conmon-" + kId + ".scope");
  EXPECT_EQ(p.pod_uid, kUid);
  EXPECT_TRUE(p.container_id.empty());
  EXPECT_EQ(p.runtime, ContainerRuntime::none);
}

TEST(CgroupPodParser, PodLevelCgroupHasNoContainer) {
  auto p = must_parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidUnderscore + ".slice");
  EXPECT_EQ(p.pod_uid, kUid);
  EXPECT_TRUE(p.container_id.empty());
  auto q = must_parse("/kubepods/burstable/pod" + kUid);
  EXPECT_EQ(q.qos, QosClass::burstable);
  EXPECT_TRUE(q.container_id.empty());
}

TEST(CgroupPodParser, CgroupfsBurstable) {
  auto p = must_parse("/kubepods/burstable/pod" + kUid + "/" + kId);
  EXPECT_EQ(p.pod_uid, kUid);
  EXPECT_EQ(p.qos, QosClass::burstable);
  EXPECT_EQ(p.container_id, kId);
  EXPECT_EQ(p.runtime, ContainerRuntime::unknown);
}

TEST(CgroupPodParser, CgroupfsGuaranteedUnderV1ControllerAndKindPrefix) {
  auto p = must_parse("/sys/fs/cgroup/cpu,cpuacct/docker/" + kId + "/kubepods/pod" + kUid + "/" + kId);
  EXPECT_EQ(p.qos, QosClass::guaranteed);
  EXPECT_EQ(p.container_id, kId);
}

TEST(CgroupPodParser, StaticPodHashUid) {
  auto p = must_parse("/kubepods/burstable/pod5b2a8c6f0e1d4c3b9a7f6e5d4c3b2a19/" + kId);
  EXPECT_EQ(p.pod_uid, "5b2a8c6f0e1d4c3b9a7f6e5d4c3b2a19");
}

TEST(CgroupPodParser, SubCgroupBelowContainerBelongsToIt) {
  auto p = must_parse("/kubepods/besteffort/pod" + kUid + "/" + kId + "/init");
  EXPECT_EQ(p.container_id, kId);
}

TEST(CgroupPodParser, NonPodCgroups) {
  expect_not_pod("/system.slice/containerd.service", "no kubepods component");
  expect_not_pod("/", "no kubepods component");
  expect_not_pod("", "no kubepods component");
  expect_not_pod("/user.slice/user-1000.slice/session-2.scope", "no kubepods component");
  expect_not_pod("/kubepods.slice", "kubepods root");
  expect_not_pod("/kubepods.slice/kubepods-burstable.slice", "QoS-level");
  expect_not_pod("/kubepods/besteffort", "QoS-level");
  expect_not_pod("/kubepods.slice/kubepods-weird.slice/x", "unknown QoS slice");
  expect_not_pod("/kubepods/notapod/x", "unexpected component");
}

TEST(CgroupPodParser, MalformedPiecesNameTheField) {
  expect_not_pod("/kubepods/podnot-a-uid/" + kId, "field 'pod uid'");
  expect_not_pod("/kubepods/pod" + kUid + "/" + kId.substr(1), "field 'container id'");
  expect_not_pod("/kubepods/pod" + kUid + "/XYZ", "field 'container id'");
  expect_not_pod("/kubepods.slice/kubepods-pod" + kUidUnderscore + ".slice/runc-" + kId + ".scope",
                 "field 'container scope'");
  expect_not_pod("/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" + kUidUnderscore + ".slice",
                 "unexpected component");
  std::string upper = kUid;
  upper[0] = 'A';
  expect_not_pod("/kubepods/pod" + upper, "field 'pod uid'");
}
