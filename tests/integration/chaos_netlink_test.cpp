// userspace/net against the kernel: devices, clsact, cls_bpf filters, root
// qdisc replace and exact restore (a saved qdisc is recreated from its
// dumped options), veth peers across namespaces. No fq needed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <optional>

#include "chaos/chaos_object.h"
#include "chaos/hooked_device.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "net/link_info.h"
#include "net/netlink_socket.h"
#include "net/netns.h"
#include "net/qdisc.h"
#include "net/tc_filter.h"
#include "net/veth_peer.h"
#include "netns_fixture.h"

#include <sys/mount.h>
#include <sys/stat.h>

using namespace seismo;
using namespace seismo::testing;

namespace {

class ChaosNetlinkTest : public FaultLabTest {
 protected:
  void SetUp() override {
    expect_restored_ = false;  // these tests leave qdiscs of their own
    FaultLabTest::SetUp();
    if (!lab_ready()) return;
    auto ns = net::Netns::open(a_->path());
    ASSERT_TRUE(ns);
    ns_.emplace(std::move(*ns));
    auto sock = net::NetlinkSocket::open_in(*ns_);
    ASSERT_TRUE(sock) << sock.error().message();
    sock_.emplace(std::move(*sock));
    auto link = net::find_link(*sock_, ab_->a_name());
    ASSERT_TRUE(link) << link.error().message();
    link_ = *link;
  }

  std::optional<net::Netns> ns_;
  std::optional<net::NetlinkSocket> sock_;
  net::LinkInfo link_;
};

}  // namespace

TEST_F(ChaosNetlinkTest, FindsDevicesByNameAndIndex) {
  EXPECT_EQ(link_.kind, "veth");
  EXPECT_TRUE(link_.has_mac_header());
  auto by_index = net::find_link(*sock_, link_.ifindex);
  ASSERT_TRUE(by_index);
  EXPECT_EQ(by_index->name, ab_->a_name());
  auto missing = net::find_link(*sock_, "nosuch0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ENODEV);
}

TEST_F(ChaosNetlinkTest, FindsTheVethPeerInItsNamespace) {
  auto peer = net::find_veth_peer(*ns_, *sock_, link_);
  ASSERT_TRUE(peer) << peer.error().message();
  EXPECT_EQ(peer->link.name, ab_->b_name());
  auto b = net::Netns::open(b_->path());
  ASSERT_TRUE(b);
  EXPECT_TRUE(peer->netns.same_as(*b));
  auto lo = net::find_link(*sock_, "lo");
  ASSERT_TRUE(lo);
  auto none = net::find_veth_peer(*ns_, *sock_, *lo);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, EOPNOTSUPP);
}

TEST_F(ChaosNetlinkTest, ClsactIsCreatedOnceAndReportedAsForeignAfterwards) {
  auto first = net::add_clsact(*sock_, link_.ifindex);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);
  auto second = net::add_clsact(*sock_, link_.ifindex);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  ASSERT_TRUE(net::delete_clsact(*sock_, link_.ifindex));
  auto filters = net::list_filters(*sock_, link_.ifindex, net::TcHook::egress);
  ASSERT_TRUE(filters);
  EXPECT_TRUE(filters->empty());
}

TEST_F(ChaosNetlinkTest, BpfFilterIsTaggedListedAndDetached) {
  auto fs = TempBpffs::create();
  ASSERT_TRUE(fs);
  ASSERT_EQ(::mkdir(fs->bpffs().c_str(), 0700), 0);
  ASSERT_EQ(::mount("bpf", fs->bpffs().c_str(), "bpf", 0, nullptr), 0);
  auto prog = chaos::ChaosObject::load_program(fs->bpffs(), {7, net::TcHook::egress, 14, false});
  ASSERT_TRUE(prog) << prog.error().message();
  ASSERT_TRUE(net::add_clsact(*sock_, link_.ifindex));
  ASSERT_TRUE(net::attach_bpf_filter(*sock_, link_.ifindex, net::TcHook::egress, 1, 0x5e150007, (*prog)->program_fd(),
                                     "seismo-fault-7"));
  auto dup = net::attach_bpf_filter(*sock_, link_.ifindex, net::TcHook::egress, 1, 0x5e150007,
                                    (*prog)->program_fd(), "seismo-fault-7");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, EEXIST);
  auto filters = net::list_filters(*sock_, link_.ifindex, net::TcHook::egress);
  ASSERT_TRUE(filters);
  ASSERT_EQ(filters->size(), 1u);
  EXPECT_EQ((*filters)[0].bpf_name, "seismo-fault-7");
  EXPECT_EQ((*filters)[0].priority, 1);
  EXPECT_EQ((*filters)[0].handle, 0x5e150007u);
  EXPECT_EQ((*filters)[0].prog_id, (*prog)->program_id());
  EXPECT_NE(a_->exec({"tc", "filter", "show", "dev", ab_->a_name(), "egress"}).output.find("seismo-fault-7"),
            std::string::npos);
  ASSERT_TRUE(net::detach_filter(*sock_, link_.ifindex, net::TcHook::egress, 1, 0x5e150007));
  ASSERT_TRUE(net::delete_clsact(*sock_, link_.ifindex));
  prog->reset();
  ::umount2(fs->bpffs().c_str(), MNT_DETACH);
}

TEST_F(ChaosNetlinkTest, DefaultRootQdiscComesBackWhenOursIsDeleted) {
  const std::string before = tc_state(*a_, ab_->a_name());
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "5e15:", "tbf", "rate",
                      "1gbit", "burst", "64k", "latency", "10ms"})
                .status,
            0);
  auto root = net::root_qdisc(*sock_, link_.ifindex);
  ASSERT_TRUE(root && *root);
  EXPECT_EQ((*root)->kind, "tbf");
  EXPECT_EQ((*root)->handle, 0x5e150000u);
  ASSERT_TRUE(net::delete_root_qdisc(*sock_, link_.ifindex));
  EXPECT_EQ(tc_state(*a_, ab_->a_name()), before);
}

TEST_F(ChaosNetlinkTest, AUserRootQdiscIsRecreatedExactlyFromItsDump) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "8123:", "tbf", "rate",
                      "200mbit", "burst", "32k", "latency", "25ms"})
                .status,
            0);
  const std::string before = tc_state(*a_, ab_->a_name());
  auto saved = net::root_qdisc(*sock_, link_.ifindex);
  ASSERT_TRUE(saved && *saved);
  EXPECT_FALSE((*saved)->is_default());
  // Replace it (as fq would be put in), then put the saved one back.
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "5e15:", "pfifo", "limit",
                      "77"})
                .status,
            0);
  ASSERT_NE(tc_state(*a_, ab_->a_name()), before);
  ASSERT_TRUE(net::replace_root_qdisc(*sock_, link_.ifindex, **saved));
  EXPECT_EQ(tc_state(*a_, ab_->a_name()), before);
}

TEST_F(ChaosNetlinkTest, ClassesOnTheRootAreCounted) {
  ASSERT_EQ(a_->exec({"tc", "qdisc", "replace", "dev", ab_->a_name(), "root", "handle", "1:", "htb"}).status, 0);
  ASSERT_EQ(a_->exec({"tc", "class", "add", "dev", ab_->a_name(), "parent", "1:", "classid", "1:10", "htb", "rate",
                      "10mbit"})
                .status,
            0);
  auto n = net::count_classes(*sock_, link_.ifindex);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
}

TEST_F(ChaosNetlinkTest, UnknownQdiscKindErrorCarriesTheKernelMessage) {
  net::Qdisc bogus{"nosuchqdisc", 0x5e150000, 0, {}};
  auto r = net::replace_root_qdisc(*sock_, link_.ifindex, bogus);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_NE(r.error().message().find("unknown"), std::string::npos) << r.error().message();
}
