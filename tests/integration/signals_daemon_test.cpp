// The signals as seismod wires them: a probe that cannot load is skipped
// with its reason while the others keep working; `seismo top` shows the
// new columns; `seismo trace` prints every kind in one table format.
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/netns_peer.h"
#include "support/signals_fixture.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::testing;

namespace {

class SignalsDaemonBrokenNet : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--net-cgroup", "/nonexistent/seismo-cgroup"}; }
};

class SignalsDaemon : public SignalsTest {};

}  // namespace

TEST_F(SignalsDaemonBrokenNet, UnloadableProbeIsSkippedWithItsReasonOthersWork) {
  auto st = run_cli("status -o json");
  ASSERT_EQ(st.exit_code, 0) << st.out;
  auto doc = nlohmann::json::parse(st.out);
  bool net_seen = false;
  for (const auto& p : doc["probes"]) {
    if (p["name"] == "net") {
      net_seen = true;
      EXPECT_FALSE(p["attached"].get<bool>());
      EXPECT_NE(p["reason"].get<std::string>().find("/nonexistent/seismo-cgroup"), std::string::npos) << p.dump();
    } else {
      EXPECT_TRUE(p["attached"].get<bool>()) << p.dump();
    }
  }
  EXPECT_TRUE(net_seen);
  auto table = run_cli("status");
  EXPECT_NE(table.out.find("FAILED"), std::string::npos) << table.out;

  auto s = scrape();
  EXPECT_EQ(sum_samples(s, "seismo_probe_attached", {{"probe", "net"}}), 0);
  EXPECT_EQ(sum_samples(s, "seismo_probe_attached", {{"probe", "tcp"}}), 1);
  EXPECT_EQ(count_samples(s, "seismo_network_bytes_total", {}), 0u);
  EXPECT_GT(count_samples(s, "seismo_syscalls_total", {}), 0u);
  EXPECT_GT(count_samples(s, "seismo_sched_runqueue_latency_seconds_count", {}), 0u);
}

TEST_F(SignalsDaemon, TopShowsNetworkTcpRunQueueAndOomColumns) {
  auto peer = NetnsPeer::create("top");
  ASSERT_TRUE(peer) << peer.error().message();
  auto cg = TestCgroup::create("sig-top");
  ASSERT_TRUE(cg);
  auto sink = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-sink", "5401"}, {{}, peer->netns_path()});
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->wait_ready());
  // Traffic and connects from the test cgroup while top samples.
  auto busy = std::async(std::launch::async, [&] {
    for (int i = 0; i < 10; ++i)
      (void)run_in_cgroup(*cg, {SIGNALS_WORKLOAD_PATH, "tcp-send", peer->peer_ip(), "5401", "500000"});
  });
  auto top = run_cli("top -o json -i 1 --limit 10000");
  busy.wait();
  ASSERT_EQ(top.exit_code, 0) << top.out;
  auto rows = nlohmann::json::parse(top.out);
  const nlohmann::json* mine = nullptr;
  for (const auto& r : rows)
    if (r["cgroup"] == cg->path()) mine = &r;
  ASSERT_NE(mine, nullptr) << top.out;
  EXPECT_GT((*mine)["tx_bytes_per_second"].get<double>(), 100e3);
  EXPECT_GT((*mine)["rx_bytes_per_second"].get<double>(), 0);
  EXPECT_GT((*mine)["tcp_opens_per_second"].get<double>(), 0);
  for (const char* key : {"tcp_retransmits_per_second", "tcp_resets_per_second", "runq_avg_seconds",
                          "oom_kills_total", "syscalls_per_second"})
    EXPECT_TRUE(mine->contains(key)) << key;

  auto table = run_cli("top -i 0.3 --iterations 1");
  ASSERT_EQ(table.exit_code, 0) << table.out;
  for (const char* col : {"SYSCALLS", "RX", "TX", "CONNS", "RETRANS", "RESETS", "RUNQ", "OOM", "CGROUP"})
    EXPECT_NE(table.out.find(col), std::string::npos) << col << "\n" << table.out;
}

TEST_F(SignalsDaemon, TraceTablesShareOneFormat) {
  auto cg = TestCgroup::create("sig-trace");
  ASSERT_TRUE(cg);
  auto trace = std::async(std::launch::async, [&] { return run_cli("trace exec --count 1 --cgroup " + cg->path()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(*run_in_cgroup(*cg, {"/bin/true"}), 0);
  ASSERT_EQ(trace.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto out = trace.get();
  ASSERT_EQ(out.exit_code, 0) << out.out;
  EXPECT_EQ(out.out.rfind("KIND", 0), 0u) << out.out;
  for (const char* col : {"PID", "COMM", "CGROUP", "DETAILS"}) EXPECT_NE(out.out.find(col), std::string::npos) << col;
  EXPECT_NE(out.out.find("\nexec "), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("/bin/true ppid="), std::string::npos) << out.out;
  // tcp and oom streams exist and validate their parameters the same way.
  for (const char* kind : {"tcp", "oom"}) {
    auto bad = run_cli(std::string("trace ") + kind + " --cgroup relative");
    EXPECT_NE(bad.exit_code, 0) << bad.out;
    EXPECT_NE(bad.out.find("cgroup"), std::string::npos) << bad.out;
  }
}
