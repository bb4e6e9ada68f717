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
