// Cgroup path → pod attribution and the -n/-l/--pod filter of top/trace/pods.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pods/pod_attribution.h"

using namespace seismo;
using namespace seismo::pods;

namespace {

const std::string kUid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const std::string kCid = std::string(64, 'a');

Pod web() {
  Pod p;
  p.uid = kUid;
  p.namespace_name = "shop";
  p.name = "web-1";
  p.resource_version = "5";
  p.labels = {{"app", "web"}};
  p.containers = {{"nginx", kCid, "containerd"}};
  return p;
}

const std::string kPath = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b1c2d3e_4f50_6172_8394_"
                          "a5b6c7d8e9f0.slice/cri-containerd-" + kCid + ".scope";

}  // namespace

TEST(PodAttribution, KnownPodAndContainer) {
  PodStore store;
  EXPECT_FALSE(attribute_cgroup(store, kPath));  // before the watch delivers it
  store.upsert(web());
  auto a = attribute_cgroup(store, kPath);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->pod.name, "web-1");
  EXPECT_EQ(a->container, "nginx");
  EXPECT_FALSE(attribute_cgroup(store, "/system.slice/cron.service"));
  store.erase(kUid);
  EXPECT_FALSE(attribute_cgroup(store, kPath));
}

TEST(PodAttribution, AStaticPodsCgroupsFindItsMirrorPod) {
  // kubelet names a static pod's cgroups by its config hash; the API has a
  // mirror pod with its own UID and the hash in kubernetes.io/config.mirror.
  const std::string hash = "6d5b1f3b0c9e4a7f8e2d1c0b9a8f7e6d";
  Pod mirror = web();
  mirror.name = "etcd-node1";
  mirror.namespace_name = "kube-system";
  mirror.containers = {};
  mirror.annotations = {{kMirrorAnnotation, hash}};
  EXPECT_EQ(cgroup_uid(mirror), hash);
  PodStore store;
  store.upsert(mirror);
  const std::string path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + hash +
                           ".slice/cri-containerd-" + std::string(64, 'b') + ".scope";
  auto a = attribute_cgroup(store, path);
  ASSERT_TRUE(a) << "the static pod's cgroup found no pod";
  EXPECT_EQ(a->pod.name, "etcd-node1");
  EXPECT_EQ(a->pod.uid, kUid);  // the API's UID, as every other pod carries it
  // An annotation that is not a hash names no cgroup; deleting the mirror
  // pod forgets the hash.
  Pod odd = mirror;
  odd.annotations = {{kMirrorAnnotation, "not-a-hash"}};
  EXPECT_EQ(cgroup_uid(odd), odd.uid);
  store.erase(kUid);
  EXPECT_FALSE(attribute_cgroup(store, path));
  store.replace_all({mirror});
  EXPECT_TRUE(attribute_cgroup(store, path));
  store.replace_all({});
  EXPECT_FALSE(attribute_cgroup(store, path));
}

TEST(PodAttribution, StoreNotifiesOnEveryChange) {
  PodStore store;
  int changes = 0;
  store.on_change([&] { ++changes; });
  store.upsert(web());
  store.erase(kUid);
  store.erase(kUid);  // absent: no change
  store.replace_all({web()});
  EXPECT_EQ(changes, 3);
}

TEST(PodFilter, FromParams) {
  auto f = PodFilter::from_params({{"namespace", "shop"}, {"selector", "app=web"}});
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(f->active());
  EXPECT_TRUE(f->matches(web()));
  Pod other = web();
  other.labels = {{"app", "db"}};
  EXPECT_FALSE(f->matches(other));
  auto by_name = PodFilter::from_params({{"pod", "web-2"}});
  ASSERT_TRUE(by_name);
  EXPECT_FALSE(by_name->matches(web()));
  auto none = PodFilter::from_params(nlohmann::json::object());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->active());
}

TEST(PodFilter, ErrorsNameTheField) {
  auto bad_sel = PodFilter::from_params({{"selector", "app in x"}});
  ASSERT_FALSE(bad_sel);
  EXPECT_NE(bad_sel.error().message().find("field 'selector'"), std::string::npos);
  auto bad_ns = PodFilter::from_params({{"namespace", 7}});
  ASSERT_FALSE(bad_ns);
  EXPECT_NE(bad_ns.error().message().find("field 'namespace'"), std::string::npos);
}
