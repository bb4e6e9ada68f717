// The host_network guard's idea of "the node's network namespace".
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "chaos/host_netns.h"

using namespace seismo;
using namespace seismo::chaos;

TEST(HostNetns, MatchesEachIdentityByInodeAndDevice) {
  HostNetns host({{100, 4, "the node's network namespace (/proc/1/ns/net)"}, {200, 4, "seismod's own"}});
  EXPECT_EQ(host.matches(100, 4).value_or(""), "the node's network namespace (/proc/1/ns/net)");
  EXPECT_EQ(host.matches(200, 4).value_or(""), "seismod's own");
  EXPECT_FALSE(host.matches(100, 5));  // same inode number on another device is another object
  EXPECT_FALSE(host.matches(300, 4));
}

// In the DaemonSet (hostNetwork: false) seismod's own netns is a pod's; the
// node's is PID 1's. Both must be recognised, and the initial netns by its
// fixed inode when PID 1's cannot be opened.
TEST(HostNetns, DetectNamesTheNodesTheInitialAndItsOwn) {
  auto own = net::Netns::current();
  ASSERT_TRUE(own) << own.error().message();
  // Stands in for /proc/1/ns/net: any readable netns file.
  HostNetns host = HostNetns::detect(*own, "/proc/self/ns/net");
  const auto& ids = host.identities();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0].inode, own->inode());
  EXPECT_NE(ids[0].what.find("node's network namespace (/proc/self/ns/net)"), std::string::npos);
  EXPECT_EQ(ids[1].inode, HostNetns::kInitNetInode);
  EXPECT_EQ(ids[1].device, own->device());
  EXPECT_NE(ids[1].what.find("initial"), std::string::npos);
  EXPECT_EQ(ids[2].inode, own->inode());
  EXPECT_NE(ids[2].what.find("seismod's own"), std::string::npos);
  EXPECT_TRUE(host.matches(HostNetns::kInitNetInode, own->device()));
  EXPECT_FALSE(host.matches(own->inode() + 1, own->device() + 1));

  HostNetns unreadable = HostNetns::detect(*own, "/nonexistent/ns/net");
  ASSERT_EQ(unreadable.identities().size(), 2u);
  EXPECT_TRUE(unreadable.matches(own->inode(), own->device()));
}
