#include "pods/pod_store.h"

#include <gtest/gtest.h>

#include <thread>

using namespace seismo::pods;

namespace {
Pod make(const std::string& uid, const std::string& name, std::vector<std::string> ids) {
  Pod p;
  p.uid = uid;
  p.name = name;
  p.namespace_name = "ns";
  for (std::size_t i = 0; i < ids.size(); ++i) p.containers.push_back({"c" + std::to_string(i), ids[i], "containerd"});
  return p;
}
}  // namespace

TEST(PodStore, UpsertLookupAndContainerIndex) {
  PodStore s;
  s.upsert(make("u1", "a", {"id1", "id2"}));
  s.upsert(make("u2", "b", {"id3"}));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.by_uid("u1")->name, "a");
  auto o = s.by_container_id("id2");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->pod.uid, "u1");
  EXPECT_EQ(o->container.name, "c1");
  EXPECT_FALSE(s.by_container_id("nope"));
  EXPECT_FALSE(s.by_uid("nope"));
}

TEST(PodStore, ModifyReindexesContainers) {
  PodStore s;
  s.upsert(make("u1", "a", {"old"}));
  s.upsert(make("u1", "a", {"new"}));  // container restarted with a new id
  EXPECT_FALSE(s.by_container_id("old"));
  EXPECT_TRUE(s.by_container_id("new"));
  EXPECT_EQ(s.size(), 1u);
}

TEST(PodStore, EraseRemovesIndexAndBumpsGeneration) {
  PodStore s;
  s.upsert(make("u1", "a", {"id1"}));
  auto g = s.generation();
  EXPECT_TRUE(s.erase("u1"));
  EXPECT_FALSE(s.erase("u1"));
  EXPECT_GT(s.generation(), g);
  EXPECT_FALSE(s.by_container_id("id1"));
}

TEST(PodStore, ReplaceAllDropsMissingPods) {
  PodStore s;
  s.upsert(make("u1", "a", {"id1"}));
  s.upsert(make("u2", "b", {"id2"}));
  s.replace_all({make("u2", "b", {"id2"}), make("u3", "c", {"id3"})});
  auto snap = s.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].name, "b");
  EXPECT_EQ(snap[1].name, "c");
  EXPECT_FALSE(s.by_container_id("id1"));
}

TEST(PodStore, RecentlyDeletedPodsStayAttributableButNotLive) {
  PodStore s;
  s.upsert(make("u1", "a", {"id1"}));
  s.upsert(make("u2", "b", {"id2"}));
  EXPECT_TRUE(s.erase("u1"));
  s.replace_all({make("u3", "c", {"id3"})});  // u2 vanished in a relist
  EXPECT_FALSE(s.by_uid("u1"));
  EXPECT_FALSE(s.by_uid("u2"));
  ASSERT_TRUE(s.by_uid_or_recent("u1"));
  EXPECT_EQ(s.by_uid_or_recent("u1")->name, "a");
  EXPECT_EQ(s.by_uid_or_recent("u2")->name, "b");
  EXPECT_EQ(s.by_uid_or_recent("u3")->name, "c");
  EXPECT_FALSE(s.by_uid_or_recent("never"));
  // Bounded: the oldest deletions are forgotten first.
  for (size_t i = 0; i < PodStore::kRecentlyDeleted; ++i) {
    s.upsert(make("x" + std::to_string(i), "x", {}));
    s.erase("x" + std::to_string(i));
  }
  EXPECT_FALSE(s.by_uid_or_recent("u1"));
  EXPECT_TRUE(s.by_uid_or_recent("x0"));
}

TEST(PodStore, ConcurrentWritersAndReaders) {
  PodStore s;
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      s.upsert(make("u" + std::to_string(i % 50), "p", {"id" + std::to_string(i % 50)}));
      if (i % 7 == 0) s.erase("u" + std::to_string(i % 50));
    }
  });
  std::size_t seen = 0;
  for (int i = 0; i < 2000; ++i) {
    if (auto o = s.by_container_id("id" + std::to_string(i % 50))) seen += o->pod.uid == "u" + std::to_string(i % 50);
    (void)s.snapshot();
  }
  writer.join();
  EXPECT_LE(s.size(), 50u);
  EXPECT_GE(s.size(), 1u);
  (void)seen;
}
