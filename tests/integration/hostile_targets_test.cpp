// Targets that vanish (netns, veth, pid, cgroup removed during an add or
// under an active fault) and devices whose names are not valid UTF-8 (names
// are chosen by whoever owns the target netns).
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "hostile_support.h"
#include "support/test_cgroup.h"

using namespace seismo::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Two namespaces c and d joined by a veth whose ends have the given names
// (raw bytes); removed with the namespaces.
struct OddPair {
  TestNetns c;
  TestNetns d;
  std::string c_dev;
};

std::optional<OddPair> odd_pair(const std::string& c_dev, const std::string& d_dev) {
  auto c = TestNetns::create();
  auto d = TestNetns::create();
  if (!c || !d) return std::nullopt;
  auto r = run_command({"ip", "link", "add", "name", c_dev, "netns", c->name(), "type", "veth", "peer", "name", d_dev,
                        "netns", d->name()});
  if (r.status != 0) return std::nullopt;
  c->exec({"ip", "link", "set", c_dev, "up"});
  d->exec({"ip", "link", "set", d_dev, "up"});
  return OddPair{std::move(*c), std::move(*d), c_dev};
}

// A process parked in `ns` (sleep), killed on destruction.
struct Parked {
  pid_t pid = -1;
  ~Parked() { stop(); }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

void park(Parked& p, const TestNetns& ns) {
  p.pid = ::fork();
  if (p.pid == 0) {
    ::setns(ns.fd(), CLONE_NEWNET);
    ::execlp("sleep", "sleep", "120", nullptr);
    _exit(127);
  }
}

json loss_on(const json& target, const std::string& name, const std::string& duration = "60s") {
  return {{"name", name}, {"target", target}, {"action", "loss"}, {"loss", {{"percent", 50}}}, {"duration", duration}};
}

using HostileTargets = HostileTest;

TEST_F(HostileTargets, VethDeletedUnderAnActiveFault) {
  auto p = odd_pair("hv" + std::to_string(getpid()), "hw" + std::to_string(getpid()));
  ASSERT_TRUE(p);
  ASSERT_TRUE(call("fault.add", loss_on({{"netns", p->c.name()}}, "veth-gone")).ok);
  p->c.exec({"ip", "link", "del", p->c_dev});
  EXPECT_TRUE(call("fault.ls").ok);
  Reply rm = call("fault.rm", {{"name", "veth-gone"}});
  EXPECT_TRUE(rm.ok || rm.code == "not_found") << rm.message;
}

TEST_F(HostileTargets, NetnsDeletedUnderAnActiveFault) {
  auto p = odd_pair("hv" + std::to_string(getpid()), "hw" + std::to_string(getpid()));
  ASSERT_TRUE(p);
  ASSERT_TRUE(call("fault.add", loss_on({{"netns", p->c.name()}}, "netns-gone")).ok);
  run_command({"ip", "netns", "del", p->c.name()});
  EXPECT_TRUE(call("fault.ls").ok);
  Reply rm = call("fault.rm", {{"name", "netns-gone"}});
  EXPECT_TRUE(rm.ok || rm.code == "not_found") << rm.message;
}

TEST_F(HostileTargets, ANameWhoseNetnsIsUnmountedIsNotFound) {
  // The state `ip netns del` leaves for a moment (unmounted, not yet
  // unlinked), made to last: the race NetnsDeletedDuringAdd can hit.
  const std::string name = "seismo-plain-" + std::to_string(getpid());
  const std::string path = "/run/netns/" + name;
  ::mkdir("/run/netns", 0755);
  { std::ofstream(path).put('\0'); }
  Reply add = call("fault.add", loss_on({{"netns", name}}, "plain"));
  ::unlink(path.c_str());
  ASSERT_FALSE(add.ok);
  EXPECT_EQ(add.code, "not_found") << add.message;
  EXPECT_NE(add.message.find("is not mounted"), std::string::npos) << add.message;
}

TEST_F(HostileTargets, NetnsDeletedDuringAdd) {
  for (int i = 0; i < 6; ++i) {
    auto p = odd_pair("hv" + std::to_string(getpid()), "hw" + std::to_string(getpid()));
    ASSERT_TRUE(p);
    std::string name = "race-" + std::to_string(i);
    Reply add;
    std::thread adder([&] { add = call("fault.add", loss_on({{"netns", p->c.name()}}, name)); });
    if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(i * 3));
    run_command({"ip", "netns", "del", p->c.name()});
    adder.join();
    ASSERT_TRUE(add.answered) << "no answer to an add racing the netns removal";
    if (add.ok) {
      Reply rm = call("fault.rm", {{"name", name}});
      EXPECT_TRUE(rm.ok || rm.code == "not_found") << rm.message;
    } else {
      EXPECT_EQ(add.code, "not_found") << add.message;
    }
  }
}

TEST_F(HostileTargets, PidThatExitedIsNotFound) {
  pid_t child = ::fork();
  if (child == 0) _exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(refused(call("fault.add", loss_on({{"pid", child}}, "dead-pid")), "not_found", "target.pid"));
}

TEST_F(HostileTargets, PidExitsUnderAnActiveFault) {
  auto p = odd_pair("hv" + std::to_string(getpid()), "hw" + std::to_string(getpid()));
  ASSERT_TRUE(p);
  Parked parked;
  park(parked, p->c);
  // The child is in the netns once setns returned; wait for seismod to agree.
  Reply add;
  ASSERT_TRUE(eventually([&] {
    add = call("fault.add", loss_on({{"pid", parked.pid}, {"interface", p->c_dev}}, "pid-gone"));
    return add.ok;
  })) << add.message;
  parked.stop();
  EXPECT_TRUE(call("fault.ls").ok);
  Reply rm = call("fault.rm", {{"name", "pid-gone"}});
  EXPECT_TRUE(rm.ok || rm.code == "not_found") << rm.message;
}

TEST_F(HostileTargets, EmptyCgroupResolvesToNothing) {
  auto cg = TestCgroup::create("hostile-empty");
  ASSERT_TRUE(cg) << cg.error().message();
  EXPECT_TRUE(refused(call("fault.add", loss_on({{"cgroup", cg->path()}}, "empty-cg")), "not_found", "target"));
}

TEST_F(HostileTargets, CgroupRemovedUnderAnActiveFault) {
  auto p = odd_pair("hv" + std::to_string(getpid()), "hw" + std::to_string(getpid()));
  ASSERT_TRUE(p);
  auto cg = TestCgroup::create("hostile-cg");
  ASSERT_TRUE(cg) << cg.error().message();
  Parked parked;
  park(parked, p->c);
  ASSERT_TRUE(cg->add(parked.pid));
  Reply add;
  ASSERT_TRUE(eventually([&] {
    add = call("fault.add", loss_on({{"cgroup", cg->path()}}, "cg-gone"));
    return add.ok;
  })) << add.message;
  parked.stop();
  ASSERT_TRUE(cg->remove());
  EXPECT_TRUE(call("fault.ls").ok);
  Reply rm = call("fault.rm", {{"name", "cg-gone"}});
  EXPECT_TRUE(rm.ok || rm.code == "not_found") << rm.message;
}

TEST_F(HostileTargets, NonUtf8DeviceNameFaultWorksOrIsRefusedClearly) {
  const std::string dev = "x\xff\xfe" + std::to_string(getpid() % 1000);
  auto p = odd_pair(dev, "\xc3\x28q" + std::to_string(getpid() % 1000));
  ASSERT_TRUE(p) << "cannot create a device with a non-UTF-8 name";
  std::string before = tc_state(p->c, dev);
  Reply add = call("fault.add", loss_on({{"netns", p->c.name()}}, "odd-name", "3s"));
  ASSERT_TRUE(add.answered) << add.raw;
  if (!add.ok) {
    EXPECT_EQ(add.code, "invalid_request") << add.message;
    EXPECT_NE(add.message.find("target.interface"), std::string::npos) << add.message;
  } else {
    Reply ls = call("fault.ls");
    EXPECT_TRUE(ls.ok) << "fault.ls broke on the device name: " << ls.raw;
    // The state file must still save: another fault comes and goes.
    EXPECT_TRUE(call("fault.add", loss_fault("after-odd")).ok);
    EXPECT_TRUE(call("fault.rm", {{"name", "after-odd"}}).ok);
    // And the expiry thread must survive expiring it (3 s; polled up to 15 s).
    EXPECT_TRUE(eventually([&] { return faults().empty(); }, 15s));
  }
  EXPECT_EQ(tc_state(p->c, dev), before) << "a filter stayed on the device with the odd name";
}

TEST_F(HostileTargets, NonUtf8DeviceNamesInAnErrorMessage) {
  auto p = odd_pair("y\xff" + std::to_string(getpid() % 1000), "z\xfe" + std::to_string(getpid() % 1000));
  ASSERT_TRUE(p);
  // A second device makes the interface ambiguous: the error lists names.
  p->c.exec({"ip", "link", "add", "w\xff\xfe", "type", "veth", "peer", "name", "v\xfe\xff"});
  Reply r = call("fault.add", loss_on({{"netns", p->c.name()}}, "ambiguous"));
  EXPECT_TRUE(refused(r, "invalid_request", "target.interface")) << r.raw;
}

TEST_F(HostileTargets, HostNetworkGuardComparesWithTheNodesNetns) {
  // The DaemonSet runs seismod in its own netns (hostNetwork: false) with
  // hostPID: the netns of pid 1 (and of every host process) is the node's, and faulting it needs
  // host_network. The filter (TEST-NET-1 only, on lo) keeps the node safe
  // if the guard fails.
  auto pod = TestNetns::create();
  ASSERT_TRUE(pod);
  pod->exec({"ip", "link", "set", "lo", "up"});
  auto fs = TempBpffs::create();
  ASSERT_TRUE(fs) << fs.error().message();
  auto d = SeismodProcess::start({"--bpffs", fs->bpffs(), "--fault-state", fs->state_file(), "--probes", "exec"},
                                 std::chrono::seconds(20), {"nsenter", "--net=" + pod->path()});
  ASSERT_TRUE(d) << d.error().message();
  auto node_lo = [] {
    return run_command({"tc", "qdisc", "show", "dev", "lo"}).output +
           run_command({"tc", "filter", "show", "dev", "lo", "egress"}).output;
  };
  std::string before = node_lo();
  // This test's own pid stands for any process of the node's network (pid 1
  // in the DaemonSet; here /proc/1/ns/net cannot be opened, even by root).
  json spec = loss_on({{"pid", ::getpid()}, {"interface", "lo"}}, "node-net", "30s");
  spec["filter"] = {{"cidrs", {"192.0.2.1/32"}}};
  Reply r = call_once(d->socket(), "fault.add", spec);
  EXPECT_TRUE(refused(r, "permission_denied", "host_network"));
  if (r.ok) (void)call_once(d->socket(), "fault.rm", {{"name", "node-net"}});
  EXPECT_EQ(node_lo(), before);
  auto rc = d->stop();
  EXPECT_TRUE(rc && *rc == 0) << d->log();
}

}  // namespace
