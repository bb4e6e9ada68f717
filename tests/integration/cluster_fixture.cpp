#include "cluster_fixture.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "api/client.h"
#include "http_probe.h"

namespace seismo::testing {

using nlohmann::json;

namespace {

constexpr const char* kFaultsPath = "/apis/seismo.dev/v1alpha1/namespaces/";

std::string run_id() {
  std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}-{:06x}", ::getpid(), rng() & 0xffffff);
}

// The answer's JSON when its status is `want`, else an error naming the call.
Result<json> expect_status(const fakes::HttpAnswer& a, long want, const std::string& what) {
  if (a.status != want) return fail_plain(fmt::format("{}: HTTP {} {}", what, a.status, a.body));
  auto doc = a.json();
  if (doc.is_discarded()) return fail_plain(what + ": the answer is not JSON: " + a.body);
  return doc;
}

}  // namespace

Result<std::unique_ptr<ClusterLab>> ClusterLab::create(Options options) {
  std::unique_ptr<ClusterLab> lab(new ClusterLab());  // NOLINT: private constructor
  lab->daemon_args_ = std::move(options.daemon_args);
  auto api = fakes::FakeKubeApi::start_stateful();
  if (!api) return fail(std::move(api).error());
  lab->api_ = std::move(*api);
  auto node_ns = TestNetns::create();
  if (!node_ns) return fail(std::move(node_ns).error());
  lab->node_netns_.emplace(std::move(*node_ns));
  // The node namespace routes between pods (a CNI's bridge or routes do).
  if (auto r = run_checked({"ip", "netns", "exec", lab->node_netns_->name(), "sysctl", "-qw",
                            "net.ipv4.ip_forward=1"});
      !r)
    return fail(std::move(r).error());
  auto tree = KubepodsTree::create();
  if (!tree) return fail(std::move(tree).error());
  lab->tree_.emplace(std::move(*tree));
  const std::string id = run_id();
  for (std::size_t i = 0; i < options.nodes; ++i)
    if (auto r = lab->add_node(i, id); !r) return fail(std::move(r).error());
  return lab;
}

Result<void> ClusterLab::add_node(std::size_t i, const std::string& id) {
  Node n;
  n.name = fmt::format("it-{}-node-{}", id, static_cast<char>('a' + i));
  n.token = "token-" + n.name;
  auto fs = TempBpffs::create();
  if (!fs) return fail(std::move(fs).error());
  n.fs.emplace(std::move(*fs));
  n.kubeconfig = n.fs->dir() + "/kubeconfig";
  std::ofstream(n.kubeconfig) << fmt::format(
      "apiVersion: v1\nkind: Config\ncurrent-context: it\n"
      "clusters: [{{name: it, cluster: {{server: '{}'}}}}]\n"
      "users: [{{name: it, user: {{token: {}}}}}]\n"
      "contexts: [{{name: it, context: {{cluster: it, user: it}}}}]\n",
      api_->url(), n.token);
  nodes_.push_back(std::move(n));
  return {};
}

ClusterLab::~ClusterLab() {
  for (auto& n : nodes_)
    if (n.daemon) (void)n.daemon->stop();  // SIGKILL when SIGTERM hangs
  for (auto& n : nodes_) n.daemon.reset();
  pods_.clear();
}

Result<void> ClusterLab::start_node(std::size_t i, std::chrono::seconds sync_timeout) {
  Node& n = nodes_.at(i);
  if (n.daemon) return fail_plain(n.name + " already runs");
  std::vector<std::string> args = {"--kubeconfig", n.kubeconfig,          "--node-name", n.name,
                                   "--bpffs",      n.fs->bpffs(),         "--fault-state", n.fs->state_file(),
                                   "--probes",     "exec"};
  args.insert(args.end(), daemon_args_.begin(), daemon_args_.end());
  auto d = SeismodProcess::start(args);
  if (!d) return fail(std::move(d).error().wrap(n.name));
  n.daemon.emplace(std::move(*d));
  // pods.synced: its pods were listed. cluster.synced (cluster mode, in the
  // status when the daemon has it): the NetworkFaults were listed too.
  const bool synced = wait_until(
      [&] {
        const json st = call(i, "status");
        if (!st.contains("pods") || !st["pods"].value("synced", false)) return false;
        return !st.contains("cluster") || !st["cluster"].is_object() || st["cluster"].value("synced", false);
      },
      sync_timeout);
  if (!synced) return fail_plain(fmt::format("{} did not sync within {} s: {}", n.name, sync_timeout.count(),
                                             n.daemon->log()));
  return {};
}

Result<int> ClusterLab::stop_node(std::size_t i) {
  Node& n = nodes_.at(i);
  if (!n.daemon) return fail_plain(n.name + " does not run");
  auto rc = n.daemon->stop();
  if (!rc) rc = fail(std::move(rc).error().wrap(n.daemon->log()));
  n.daemon.reset();
  return rc;
}

Result<void> ClusterLab::stop_all() {
  std::string failed;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (!n.daemon) continue;
    auto rc = n.daemon->stop();  // SIGKILL when SIGTERM hangs
    if (!rc) failed += fmt::format("{}: {}\n{}\n", n.name, rc.error().message(), n.daemon->log());
    else if (*rc != 0) failed += fmt::format("{}: exit {}\n{}\n", n.name, *rc, n.daemon->log());
    n.daemon.reset();
  }
  if (!failed.empty()) return fail_plain("nodes did not stop cleanly:\n" + failed);
  return {};
}

void ClusterLab::kill_node(std::size_t i) {
  Node& n = nodes_.at(i);
  if (!n.daemon) return;
  n.daemon->kill_hard();
  n.daemon.reset();
}

std::string ClusterLab::node_log(std::size_t i) const {
  const Node& n = nodes_.at(i);
  return n.daemon ? n.daemon->log() : "(" + n.name + " not running)";
}

std::string ClusterLab::logs() const {
  std::string out;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    out += fmt::format("--- {} ---\n{}\n", nodes_[i].name, node_log(i));
  return out;
}

json ClusterLab::call(std::size_t i, const std::string& method, const json& params) const {
  const Node& n = nodes_.at(i);
  if (!n.daemon) return {{"error", n.name + " not running"}};
  auto c = api::Client::connect(n.daemon->socket());
  if (!c) return {{"error", c.error().message()}};
  auto r = c->call(method, params);
  if (!r) return {{"error", r.error().message()}};
  return *r;
}

std::size_t ClusterLab::api_requests_of(std::size_t i) const {
  return api_->faults().requests_from("Bearer " + nodes_.at(i).token);
}

std::vector<std::string> ClusterLab::engine_faults(std::size_t i, const std::string& prefix) const {
  std::vector<std::string> out;
  const json listed = call(i, "fault.ls");
  if (listed.contains("faults"))
    for (const auto& f : listed["faults"]) {
      const std::string name = f.value("name", "");
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
  std::sort(out.begin(), out.end());
  return out;
}

Result<ClusterPod*> ClusterLab::add_pod(std::size_t node, const std::string& name,
                                        std::map<std::string, std::string> labels, const std::string& ns) {
  if (node >= nodes_.size()) return fail_plain("no node " + std::to_string(node));
  if (next_index_ > 254) return fail_plain("out of pod subnets (10.201.<1..254>.0/24)");
  auto pod = std::make_unique<ClusterPod>();
  pod->namespace_name = ns, pod->name = name, pod->labels = std::move(labels), pod->node = node;
  // 1. The Pod, scheduled: Pending on its node.
  const json object = {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", name}, {"namespace", ns}, {"labels", pod->labels}}},
                       {"spec",
                        {{"nodeName", nodes_[node].name},
                         {"containers", json::array({{{"name", "app"}, {"image", "registry.k8s.io/pause:3.9"}}})}}},
                       {"status", {{"phase", "Pending"}}}};
  auto created = expect_status(fakes::http_call("POST", api_->url() + "/api/v1/namespaces/" + ns + "/pods",
                                                object.dump()),
                               201, "create pod " + ns + "/" + name);
  if (!created) return fail(std::move(created).error());
  pod->uid = (*created)["metadata"].value("uid", "");
  // 2. Its sandbox under the UID the API server gave it.
  FakePodOptions o;
  o.namespace_name = ns, o.name = name, o.labels = pod->labels, o.index = next_index_++, o.uid = pod->uid;
  auto sandbox = FakePod::create(*tree_, &*node_netns_, std::move(o));
  if (!sandbox) return fail(std::move(sandbox).error());
  pod->sandbox = std::move(*sandbox);
  if (auto r = run_checked({"ip", "-n", pod->sandbox->netns()->name(), "route", "add", "10.201.0.0/16", "via",
                            pod->sandbox->node_ip()});
      !r)
    return fail(std::move(r).error());
  auto probe = PodProbe::open(*pod->sandbox->netns(), *node_netns_, pod->sandbox->node_ip(), 40000);
  if (!probe) return fail(std::move(probe).error());
  pod->probe.emplace(std::move(*probe));
  pod->tc_before = tc_state(*pod->sandbox->netns(), "eth0");
  // 3. Running, with its IP and container.
  if (auto r = mark_running(*pod); !r) return fail(std::move(r).error());
  pods_.push_back(std::move(pod));
  return pods_.back().get();
}

Result<json> ClusterLab::mark_running(const ClusterPod& pod) {
  const std::string ip = pod.sandbox->pod_ip();
  const json patch = {
      {"status",
       {{"phase", "Running"},
        {"hostIP", "10.200.0.1"},
        {"podIP", ip},
        {"podIPs", json::array({{{"ip", ip}}})},
        {"containerStatuses", json::array({{{"name", "app"},
                                            {"ready", true},
                                            {"state", {{"running", json::object()}}},
                                            {"containerID", "containerd://" + pod.sandbox->container_id()}}})}}}};
  return expect_status(
      fakes::http_call("PATCH", api_->url() + "/api/v1/namespaces/" + pod.namespace_name + "/pods/" + pod.name,
                       patch.dump(), "application/merge-patch+json"),
      200, "mark pod " + pod.key() + " Running");
}

Result<void> ClusterLab::delete_pod(const std::string& ns, const std::string& name) {
  auto it = std::find_if(pods_.begin(), pods_.end(),
                         [&](const auto& p) { return p->namespace_name == ns && p->name == name; });
  if (it == pods_.end()) return fail_plain("no pod " + ns + "/" + name);
  auto gone = expect_status(fakes::http_call("DELETE", api_->url() + "/api/v1/namespaces/" + ns + "/pods/" + name),
                            200, "delete pod " + ns + "/" + name);
  if (!gone) return fail(std::move(gone).error());
  pods_.erase(it);  // the sandbox goes with it
  return {};
}

ClusterPod* ClusterLab::pod(const std::string& name) const {
  for (const auto& p : pods_)
    if (p->name == name) return p.get();
  return nullptr;
}

Result<std::vector<json>> ClusterLab::pod_objects() const {
  auto list = expect_status(fakes::http_call("GET", api_->url() + "/api/v1/pods"), 200, "list pods");
  if (!list) return fail(std::move(list).error());
  return (*list)["items"].get<std::vector<json>>();
}

Result<json> ClusterLab::create_fault(const json& object) {
  const std::string ns = object["metadata"].value("namespace", "default");
  return expect_status(fakes::http_call("POST", api_->url() + kFaultsPath + ns + "/networkfaults", object.dump()),
                       201, "create networkfault");
}

Result<json> ClusterLab::get_fault(const std::string& ns, const std::string& name) const {
  return expect_status(fakes::http_call("GET", api_->url() + kFaultsPath + ns + "/networkfaults/" + name), 200,
                       "get networkfault " + ns + "/" + name);
}

Result<json> ClusterLab::patch_fault(const std::string& ns, const std::string& name, const json& merge) {
  return expect_status(fakes::http_call("PATCH", api_->url() + kFaultsPath + ns + "/networkfaults/" + name,
                                        merge.dump(), "application/merge-patch+json"),
                       200, "patch networkfault " + ns + "/" + name);
}

Result<void> ClusterLab::delete_fault(const std::string& ns, const std::string& name) {
  auto r = expect_status(fakes::http_call("DELETE", api_->url() + kFaultsPath + ns + "/networkfaults/" + name), 200,
                         "delete networkfault " + ns + "/" + name);
  if (!r) return fail(std::move(r).error());
  return {};
}

json ClusterLab::node_entry(const json& fault, const std::string& node) {
  if (!fault.is_object() || !fault.contains("status") || !fault["status"].contains("nodes")) return nullptr;
  for (const auto& e : fault["status"]["nodes"])
    if (e.is_object() && e.value("node", "") == node) return e;
  return nullptr;
}

json ClusterLab::loss_fault(const std::string& ns, const std::string& name, const json& selector,
                            const std::string& mode, const std::string& value, const std::string& duration) {
  json spec = {{"action", "loss"},
               {"mode", mode},
               {"selector", selector},
               {"direction", "to"},
               {"loss", {{"loss", "100"}}},
               {"duration", duration}};
  if (!value.empty()) spec["value"] = value;
  return {{"apiVersion", "seismo.dev/v1alpha1"},
          {"kind", "NetworkFault"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", std::move(spec)}};
}

std::vector<std::string> ClusterLab::silenced(int count) const {
  std::vector<std::string> out;
  for (const auto& p : pods_)
    if (p->probe->delivered(count) == 0) out.push_back(p->key());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PodProbe*> ClusterLab::probes(const std::vector<ClusterPod*>& which) const {
  std::vector<PodProbe*> out;
  for (auto* p : which) out.push_back(&*p->probe);
  return out;
}

Result<PodProbe> ClusterLab::probe_between(const ClusterPod& from, const ClusterPod& to) {
  return PodProbe::open(*from.sandbox->netns(), *to.sandbox->netns(), to.sandbox->pod_ip(), next_port_++);
}

std::string ClusterLab::leftovers() const {
  std::string out;
  for (const auto& p : pods_) {
    const std::string now = tc_state(*p->sandbox->netns(), "eth0");
    if (now != p->tc_before) out += fmt::format("{} eth0: tc state was\n{}now\n{}\n", p->key(), p->tc_before, now);
  }
  for (const auto& n : nodes_) {
    if (n.daemon) continue;
    for (const auto& pin : n.fs->pins()) out += fmt::format("{}: pin {} left\n", n.name, pin);
  }
  return out;
}

int64_t created_unix(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return 0;
  std::tm tm{};
  const std::string ts = object["metadata"].value("creationTimestamp", "");
  if (::strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return 0;
  return static_cast<int64_t>(::timegm(&tm));
}

json status_nodes(const json& fault) {
  if (!fault.is_object() || !fault.contains("status") || !fault["status"].is_object() ||
      !fault["status"].contains("nodes") || !fault["status"]["nodes"].is_array())
    return json::array();
  return fault["status"]["nodes"];
}

int64_t entry_counter(const json& entry, const char* name) {
  if (!entry.is_object() || !entry.contains("counters") || !entry["counters"].is_object()) return -1;
  return entry["counters"].value(name, int64_t{-1});
}

std::vector<std::string> entry_pods(const json& entry) {
  std::vector<std::string> out;
  if (entry.is_object() && entry.contains("pods") && entry["pods"].is_array())
    for (const auto& p : entry["pods"])
      if (p.is_string()) out.push_back(p.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace seismo::testing
