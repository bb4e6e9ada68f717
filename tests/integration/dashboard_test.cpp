// The Grafana dashboard's proof: a real Prometheus (Debian's package) scrapes
// a live seismod watching two fake pods while a workload exercises every
// signal (syscalls and their errors, execs, traffic, TCP opens, refusals,
// resets and retransmits under a guarded loss fault, DNS, run-queue waits,
// an OOM kill, a bandwidth fault's delay histogram); then every target of
// every panel in manifests/grafana/seismo-dashboard.json, with the template
// variables set as Grafana would (namespace and pods of the workload, "All"
// = .* for the rest), goes through /api/v1/query and must return at least
// one series, no error, and the labels its legend names. The variables' own
// label_values queries must offer the workload's namespace, pods and its
// non-pod cgroup.
#include <fstream>

#include "cgroup/mountinfo.h"
#include "pods_daemon_fixture.h"
#include "support/child_process.h"
#include "support/grafana_dashboard.h"
#include "support/prometheus_server.h"
#include "support/test_cgroup.h"

using namespace seismo;
using namespace seismo::testing;
using nlohmann::json;

namespace {

const std::string kDashboard = std::string(SEISMO_SOURCE_DIR) + "/manifests/grafana/seismo-dashboard.json";

// Grafana's values for the dashboard's variables. Prometheus scrapes every
// 1 s; Grafana's $__rate_interval is max($__interval + scrape interval,
// 4 × scrape interval) = 4 s here; 10 s leaves room for scrapes delayed on
// a loaded 2-core machine (rate() needs two samples in its window).
std::map<std::string, std::string> grafana_values() {
  return {{"datasource", "prometheus"}, {"instance", ".*"},        {"namespace", "dash"},
          {"pod", "(client|server)"},   {"cgroup", ".*"},          {"__rate_interval", "10s"},
          {"__interval", "2s"},         {"__range", "60s"}};
}

// Why a panel's query shows nothing useful, or "" when it does: an error,
// no series, or a label its legend names that no series carries (a label
// the metric does not have, or one the aggregation dropped).
std::string check_query(uint16_t port, const std::string& promql, const std::string& legend) {
  auto body = http_get(port, "/api/v1/query?query=" + url_encode(promql));
  if (!body) return "HTTP: " + body.error().message();
  auto doc = json::parse(*body, nullptr, false);
  if (doc.is_discarded() || doc.value("status", "") != "success") return *body;
  const auto& result = doc["data"]["result"];
  if (result.empty()) return "no series";
  for (const auto& label : legend_labels(legend)) {
    bool carried = false;
    for (const auto& r : result) carried = carried || !r["metric"].value(label, "").empty();
    if (!carried) return "legend label " + label + " is empty in every series: " + result.dump();
  }
  return "";
}

// label_values(SELECTOR, LABEL) through the label values API (what Grafana's
// Prometheus datasource sends for it).
std::vector<std::string> label_values(uint16_t port, const std::string& definition) {
  const auto open = definition.find('(');
  const auto comma = definition.rfind(',');
  const auto close = definition.rfind(')');
  if (open == std::string::npos || comma == std::string::npos || close == std::string::npos) return {};
  const std::string selector = definition.substr(open + 1, comma - open - 1);
  std::string label = definition.substr(comma + 1, close - comma - 1);
  label.erase(0, label.find_first_not_of(' '));
  auto body = http_get(port, "/api/v1/label/" + label + "/values?match[]=" + url_encode(selector));
  auto doc = body ? json::parse(*body, nullptr, false) : json();
  if (doc.is_discarded() || !doc.is_object() || doc.value("status", "") != "success") return {};
  return doc["data"].get<std::vector<std::string>>();
}

// A v1 memory cgroup with a limit (hybrid hosts keep the memory controller
// on v1), removed on destruction; none on a cgroup2-only host (the pod's
// scope then gets memory.max).
class MemoryCgroupV1 {
 public:
  static std::optional<MemoryCgroupV1> create(uint64_t bytes) {
    auto text = cgroup::read_file("/proc/self/mountinfo");
    if (!text) return std::nullopt;
    auto v1 = cgroup::find_cgroup1_controller(cgroup::parse_mountinfo(*text), "memory");
    if (!v1) return std::nullopt;
    MemoryCgroupV1 m;
    m.dir_ = v1->mount_point + "/seismo-it-dash-" + std::to_string(getpid());
    if (::mkdir(m.dir_.c_str(), 0755) != 0) return std::nullopt;
    std::ofstream(m.dir_ + "/memory.limit_in_bytes") << bytes << std::flush;
    return m;
  }
  MemoryCgroupV1(MemoryCgroupV1&& o) noexcept : dir_(std::exchange(o.dir_, {})) {}
  MemoryCgroupV1& operator=(MemoryCgroupV1&&) = delete;
  ~MemoryCgroupV1() {
    for (int i = 0; !dir_.empty() && i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  [[nodiscard]] std::string procs() const { return dir_ + "/cgroup.procs"; }

 private:
  MemoryCgroupV1() = default;
  std::string dir_;
};

class Dashboard : public PodsDaemon {
 protected:
  void start_all_probes() {
    auto d = SeismodProcess::start({"--kubeconfig", kubeconfig_, "--node-name", kNode, "--bpffs", fs_->bpffs(),
                                    "--fault-state", fs_->state_file()});
    ASSERT_TRUE(d) << d.error().message();
    daemon_.emplace(std::move(*d));
    ASSERT_TRUE(eventually([&] { return status()["pods"].value("synced", false); })) << daemon_->log();
  }
  [[nodiscard]] std::string scope_dir(const FakePod& pod) const { return tree_->mount() + pod.scope_path(); }
  // A process of the pod's container: its cgroup (and `extra` cgroup.procs) and netns.
  Result<ChildProcess> in_pod(const FakePod& pod, const std::vector<std::string>& argv,
                              std::vector<std::string> extra = {}) const {
    extra.push_back(scope_dir(pod) + "/cgroup.procs");
    return ChildProcess::spawn(argv, {extra, pod.netns()->path()});
  }
  // Runs to completion in the pod; its exit code.
  int run_in_pod(const FakePod& pod, const std::vector<std::string>& argv, std::vector<std::string> extra = {}) {
    auto c = in_pod(pod, argv, std::move(extra));
    if (!c) return -1;
    auto code = c->wait_exit(std::chrono::seconds(60));
    return code ? *code : -1;
  }
  void add_fault(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"fault", "add"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = run_cli(daemon_->socket(), all);
    ASSERT_EQ(r.status, 0) << r.out << daemon_->log();
  }
  void exercise_every_signal(const FakePod& client, const TestCgroup& node_cg);
};

void Dashboard::exercise_every_signal(const FakePod& client, const TestCgroup& node_cg) {
  const std::string node_ip = client.node_ip();
  SpawnOptions node_side{{node_cg.full_path() + "/cgroup.procs"}, node_->path()};
  auto sink = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-sink", "7000"}, node_side);
  auto resetter = ChildProcess::spawn({SIGNALS_WORKLOAD_PATH, "tcp-sink", "7001", "reset"}, node_side);
  auto dns = ChildProcess::spawn({DNS_WORKLOAD_PATH, "responder", "53", "0"}, node_side);
  for (auto* c : {&sink, &resetter, &dns}) {
    ASSERT_TRUE(*c) << c->error().message();
    ASSERT_TRUE((*c)->wait_ready(std::chrono::seconds(30)));
  }
  // Loss on the client's port-7000 traffic only (the rest stays exact),
  // guarded so guard series exist; budgets far above what 2 MB can retransmit.
  add_fault({"loss", "5%", "-n", "dash", "-l", "app=client", "--port", "7000", "--duration", "300s", "--name",
             fmt::format("dash-loss-{}", getpid()), "--guard", "tcp-retransmits=1000000", "--guard",
             "dropped=1000000"});
  // A bandwidth fault polices here (no fq) and exports the added-delay histogram.
  add_fault({"bandwidth", "100mbit", "-n", "dash", "-l", "app=server", "--duration", "300s", "--name",
             fmt::format("dash-bw-{}", getpid())});

  EXPECT_EQ(run_in_pod(client, {SIGNALS_WORKLOAD_PATH, "tcp-send", node_ip, "7000", "2000000"}), 0);
  EXPECT_EQ(run_in_pod(client, {SIGNALS_WORKLOAD_PATH, "tcp-connect", node_ip, "7001", "5"}), 0);
  EXPECT_EQ(run_in_pod(client, {SIGNALS_WORKLOAD_PATH, "tcp-connect", node_ip, "7009", "3", "refused"}), 0);
  EXPECT_EQ(run_in_pod(client, {WORKLOAD_PATH, "2000", "20"}), 0);
  // DNS: answered A and AAAA queries (NOERROR, NXDOMAIN), malformed queries
  // out, and one malformed (6-byte) answer in.
  EXPECT_EQ(run_in_pod(client, {DNS_WORKLOAD_PATH, "query", node_ip, "53", "udp", "noerror.seismo.test", "1", "10"}), 0);
  EXPECT_EQ(run_in_pod(client, {DNS_WORKLOAD_PATH, "query", node_ip, "53", "udp", "nxdomain.seismo.test", "28", "10"}),
            0);
  EXPECT_EQ(run_in_pod(client, {DNS_WORKLOAD_PATH, "malformed", node_ip, "53"}), 0);
  EXPECT_EQ(run_in_pod(client, {DNS_WORKLOAD_PATH, "query", node_ip, "53", "udp", "badshort.seismo.test", "1", "1"}), 0);
  // Two spinners on one CPU: each waits on the run queue while the other runs.
  auto spin_a = in_pod(client, {SIGNALS_WORKLOAD_PATH, "spin", "1", "0"});
  auto spin_b = in_pod(client, {SIGNALS_WORKLOAD_PATH, "spin", "1", "0"});
  for (auto* s : {&spin_a, &spin_b}) {
    ASSERT_TRUE(*s) << s->error().message();
    EXPECT_TRUE((*s)->wait_exit(std::chrono::seconds(30)));
  }
  // An OOM kill in the client's scope: 256 MiB touched under a 32 MiB limit.
  auto v1 = MemoryCgroupV1::create(32ull << 20);
  if (!v1) std::ofstream(scope_dir(client) + "/memory.max") << (32ull << 20) << std::flush;
  const int oom = run_in_pod(client, {SIGNALS_WORKLOAD_PATH, "alloc", "256"},
                             v1 ? std::vector<std::string>{v1->procs()} : std::vector<std::string>{});
  EXPECT_EQ(oom, 128 + SIGKILL) << "the allocation was not OOM-killed";
}

TEST_F(Dashboard, EveryPanelQueryReturnsSeriesFromARealPrometheus) {
  const auto started = std::chrono::steady_clock::now();
  const std::string prom = find_tool("prometheus");
  if (prom.empty()) GTEST_SKIP() << "Debian's prometheus package is not installed (README setup installs it)";
  const json dashboard = load_dashboard(kDashboard);
  ASSERT_FALSE(dashboard.is_discarded()) << kDashboard;
  auto& client = add_pod({"dash", "client", {{"app", "client"}}, 1}, false);
  auto& server_pod = add_pod({"dash", "server", {{"app", "server"}}, 2}, false);
  start_all_probes();
  PrometheusServer server(prom, daemon_->port());
  ASSERT_TRUE(server.wait_ready()) << server.log();
  auto node_cg = TestCgroup::create("dash-node");
  ASSERT_TRUE(node_cg) << node_cg.error().message();
  exercise_every_signal(client, *node_cg);
  if (HasFatalFailure()) return;
  EXPECT_EQ(run_in_pod(server_pod, {WORKLOAD_PATH, "100", "0"}), 0);  // so the pod variable offers it

  // Every query must have series at the same time; wait for the slowest
  // (a series appears at the first scrape after its event, and rate() needs
  // a second). 60 s covers several missed scrapes on a loaded machine.
  const auto values = grafana_values();
  std::map<std::string, std::string> failing;  // "panel / refId: query" → why
  const auto waited_from = std::chrono::steady_clock::now();
  const bool all_had_series = eventually(
      [&] {
        failing.clear();
        for (const auto& q : dashboard_queries(dashboard)) {
          const std::string promql = substitute_variables(q.expr, values);
          auto why = check_query(server.port(), promql, q.legend);
          if (!why.empty()) failing[q.panel + " / " + q.ref_id + ": " + promql] = why;
        }
        return failing.empty();
      },
      std::chrono::seconds(60));
  for (const auto& [query, why] : failing) ADD_FAILURE() << "panel " << query << " -> " << why;
  if (all_had_series)
    std::printf("[ measured ] every query had series %.1f s after the workload\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - waited_from).count());

  // The variables offer the workload: its namespace, both pods, and (with
  // namespace and pod on All) the non-pod cgroup of the node-side servers.
  auto offered = [&](const std::string& var, const std::map<std::string, std::string>& with) {
    return label_values(server.port(), substitute_variables(dashboard_variables(dashboard).at(var), with));
  };
  auto all = values;
  all["namespace"] = all["pod"] = ".*";
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  EXPECT_TRUE(contains(offered("namespace", values), "dash"));
  EXPECT_TRUE(contains(offered("pod", values), "client"));
  EXPECT_TRUE(contains(offered("pod", values), "server"));
  EXPECT_TRUE(contains(offered("cgroup", all), node_cg->path()));
  EXPECT_TRUE(contains(offered("instance", values), fmt::format("127.0.0.1:{}", daemon_->port())));

  EXPECT_EQ(run_cli(daemon_->socket(), {"fault", "clear"}).status, 0);
  std::printf("[ measured ] %zu queries of %zu panels checked in %.1f s\n", dashboard_queries(dashboard).size(),
              dashboard_panels(dashboard).size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace
