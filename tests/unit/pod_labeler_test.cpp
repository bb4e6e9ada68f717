// A fake cgroupfs (directories in /tmp; inode numbers are the cgroup ids)
// named the way kubelet names them, plus a PodStore.
#include "metrics/pod_labeler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

using namespace seismo::pods;
using namespace seismo::metrics;
namespace fs = std::filesystem;

namespace {
const std::string kUid = "0d6c1a39-4c2b-4f8e-9f5e-2b1a7c3d9e10";
const std::string kId(64, 'c');
const std::string kPodDir = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d6c1a39_4c2b_4f8e_9f5e_2b1a7c3d9e10.slice";

std::string label(const seismo::metrics::Labels& ls, const std::string& name) {
  for (const auto& l : ls) {
    if (l.name == name) return l.value;
  }
  return "<missing>";
}

class PodLabelerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/seismo-podcg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  uint64_t make(const std::string& rel) {
    fs::create_directories(root_ + rel);
    struct stat st {};
    EXPECT_EQ(stat((root_ + rel).c_str(), &st), 0);
    return st.st_ino;
  }
  Pod web() {
    Pod p;
    p.uid = kUid;
    p.namespace_name = "shop";
    p.name = "web-0";
    p.containers.push_back({"main", kId, "containerd"});
    return p;
  }
  std::string root_;
  PodStore store_;
};
}  // namespace

TEST_F(PodLabelerTest, KnownPodContainerGetsNamespacePodContainer) {
  auto id = make(kPodDir + "/cri-containerd-" + kId + ".scope");
  store_.upsert(web());
  seismo::cgroup::CgroupResolver resolver(root_);
  PodLabeler labeler(resolver, store_);
  labeler.begin_pass();
  auto ls = labeler.labels(id);
  ASSERT_TRUE(ls);
  EXPECT_EQ(label(*ls, "namespace"), "shop");
  EXPECT_EQ(label(*ls, "pod"), "web-0");
  EXPECT_EQ(label(*ls, "container"), "main");
  EXPECT_EQ(labeler.name(id), "shop/web-0/main");
}

TEST_F(PodLabelerTest, PodSeenBeforeTheWatchIsAttributedLater) {
  auto id = make(kPodDir + "/cri-containerd-" + kId + ".scope");
  seismo::cgroup::CgroupResolver resolver(root_);
  PodLabeler labeler(resolver, store_);
  labeler.begin_pass();
  auto before = labeler.labels(id);
  ASSERT_TRUE(before);  // not dropped: keeps its path
  EXPECT_EQ(label(*before, "pod"), "");
  EXPECT_EQ(label(*before, "cgroup"), kPodDir + "/cri-containerd-" + kId + ".scope");
  EXPECT_EQ(label(*before, "pod_uid"), kUid) << "the UID is in the path: known before the watch";
  EXPECT_EQ(label(*before, "container_id"), kId);
  store_.upsert(web());
  labeler.begin_pass();
  EXPECT_EQ(label(*labeler.labels(id), "pod"), "web-0");
}

TEST_F(PodLabelerTest, SystemServiceKeepsPathAndDeletedCgroupVanishes) {
  auto svc = make("/system.slice/containerd.service");
  auto pod = make(kPodDir);
  store_.upsert(web());
  seismo::cgroup::CgroupResolver resolver(root_);
  PodLabeler labeler(resolver, store_);
  labeler.begin_pass();
  auto ls = labeler.labels(svc);
  ASSERT_TRUE(ls);
  EXPECT_EQ(label(*ls, "cgroup"), "/system.slice/containerd.service");
  EXPECT_EQ(label(*ls, "namespace"), "");
  EXPECT_EQ(label(*labeler.labels(pod), "container"), "");  // pod-level cgroup
  EXPECT_EQ(labeler.name(pod), "shop/web-0");
  fs::remove(root_ + kPodDir);
  labeler.begin_pass();
  EXPECT_FALSE(labeler.labels(pod));
  EXPECT_EQ(labeler.overflow_labels().size(), 6u);
}

TEST_F(PodLabelerTest, PodUidAndContainerIdComeFromThePathWithoutAnyApiServer) {
  auto container = make(kPodDir + "/cri-containerd-" + kId + ".scope");
  auto pod = make(kPodDir);
  auto svc = make("/system.slice/cron.service");
  seismo::cgroup::CgroupResolver resolver(root_);
  PodLabeler labeler(resolver, store_);  // an empty store: seismod without --kubeconfig
  labeler.begin_pass();
  auto c = labeler.labels(container);
  ASSERT_TRUE(c);
  EXPECT_EQ(label(*c, "pod_uid"), kUid);
  EXPECT_EQ(label(*c, "container_id"), kId);
  EXPECT_EQ(label(*c, "namespace"), "");
  EXPECT_EQ(label(*labeler.labels(pod), "pod_uid"), kUid);
  EXPECT_EQ(label(*labeler.labels(pod), "container_id"), "") << "the pod-level cgroup has no container";
  EXPECT_EQ(label(*labeler.labels(svc), "pod_uid"), "");
  EXPECT_EQ(labeler.labels(svc)->size(), labeler.overflow_labels().size());
}

TEST_F(PodLabelerTest, ConfiguredPodLabelKeysBecomeMetricLabels) {
  auto pod_cg = make(kPodDir + "/cri-containerd-" + kId + ".scope");
  auto system_cg = make("/system.slice/cron.service");
  Pod p = web();
  p.labels = {{"app.kubernetes.io/name", "web"}, {"team", "checkout"}, {"unexported", "x"}};
  store_.upsert(p);
  seismo::cgroup::CgroupResolver resolver(root_);
  PodLabeler labeler(resolver, store_, {"app.kubernetes.io/name", "tier"});
  labeler.begin_pass();
  auto ls = labeler.labels(pod_cg);
  ASSERT_TRUE(ls);
  EXPECT_EQ(label(*ls, "label_app_kubernetes_io_name"), "web");
  EXPECT_EQ(label(*ls, "label_tier"), "") << "a key the pod lacks is empty, never missing";
  EXPECT_EQ(label(*ls, "label_team"), "<missing>") << "only configured keys are exported";
  EXPECT_EQ(label(*ls, "label_unexported"), "<missing>");
  auto sys = labeler.labels(system_cg);
  ASSERT_TRUE(sys);
  EXPECT_EQ(label(*sys, "label_app_kubernetes_io_name"), "") << "same label names on every series";
  EXPECT_EQ(label(labeler.overflow_labels(), "label_tier"), seismo::metrics::kOverflowValue);
  EXPECT_EQ(ls->size(), labeler.overflow_labels().size());
}

TEST(PodLabelMetricNames, ValidatesAndBoundsTheKeys) {
  auto ok = pod_label_metric_names({"app", "example.com/tier-x"});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, (std::vector<std::string>{"label_app", "label_example_com_tier_x"}));

  auto bad = pod_label_metric_names({"no spaces"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("'no spaces'"), std::string::npos) << bad.error().message();

  auto clash = pod_label_metric_names({"a.b", "a-b"});
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message().find("label_a_b"), std::string::npos) << clash.error().message();

  std::vector<std::string> many;
  for (size_t i = 0; i <= PodLabeler::kMaxPodLabelKeys; ++i) many.push_back("k" + std::to_string(i));
  auto too_many = pod_label_metric_names(many);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message().find("at most"), std::string::npos);
}
